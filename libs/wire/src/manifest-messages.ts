import { InvalidInputError } from '@imgswarm/core'
import { CID } from 'multiformats/cid'
import { Uint8ArrayList } from 'uint8arraylist'
import { DEFAULT_MAX_CID_BYTES, DEFAULT_MAX_MANIFEST_BYTES } from './constants.js'
import { contiguous, openEnvelope } from './envelope.js'
import { MalformedMessageError } from './errors.js'
import * as pb from './pb/messages.js'

// The TypeScript face of /imgswarm/manifest/1.0.0 (schema: pb/messages.proto) and its codec.

export type ManifestRejectReason = 'not-found'

export interface GetManifestMessage {
  type: 'get-manifest'
  cid: CID
}

/** The encoded signed manifest. Decoded, `bytes` is a view into the received frame. */
export interface ManifestBytesMessage {
  type: 'manifest'
  bytes: Uint8Array
}

export interface ManifestRejectMessage {
  type: 'reject'
  reason: ManifestRejectReason
}

export type ManifestMessage = GetManifestMessage | ManifestBytesMessage | ManifestRejectMessage

export interface ManifestMessageLimits {
  maxManifestBytes: number
  maxCidBytes: number
}

export const DEFAULT_MANIFEST_MESSAGE_LIMITS: Readonly<ManifestMessageLimits> = Object.freeze({
  maxManifestBytes: DEFAULT_MAX_MANIFEST_BYTES,
  maxCidBytes: DEFAULT_MAX_CID_BYTES,
})

const FIELD = { 'get-manifest': 1, manifest: 2, reject: 3 } as const

/** Encodes one manifest-protocol frame body; refuses a manifest over the limit (InvalidInputError). */
export function encodeManifestMessage(
  msg: ManifestMessage,
  limits: ManifestMessageLimits = DEFAULT_MANIFEST_MESSAGE_LIMITS,
): Uint8ArrayList {
  switch (msg.type) {
    case 'get-manifest':
      return new Uint8ArrayList(
        pb.ManifestProtocolMessage.encode({ getManifest: { cid: msg.cid.bytes as Uint8Array<ArrayBuffer> } }),
      )
    case 'manifest':
      if (msg.bytes.byteLength > limits.maxManifestBytes) {
        throw new InvalidInputError(
          `manifest of ${msg.bytes.byteLength} bytes exceeds the limit of ${limits.maxManifestBytes}`,
        )
      }
      return new Uint8ArrayList(
        pb.ManifestProtocolMessage.encode({ manifest: { bytes: msg.bytes as Uint8Array<ArrayBuffer> } }),
      )
    case 'reject':
      return new Uint8ArrayList(
        pb.ManifestProtocolMessage.encode({
          reject: { reason: pb.ManifestRejectReason.MANIFEST_REJECT_REASON_NOT_FOUND },
        }),
      )
  }
}

/** Decodes one manifest-protocol frame body; anything malformed throws MalformedMessageError. */
export function decodeManifestMessage(
  frame: Uint8Array | Uint8ArrayList,
  limits: ManifestMessageLimits = DEFAULT_MANIFEST_MESSAGE_LIMITS,
): ManifestMessage {
  const { field, body } = openEnvelope(contiguous(frame), 'manifest protocol')
  try {
    switch (field) {
      case FIELD['get-manifest']: {
        const { cid } = pb.GetManifest.decode(body)
        if (cid.byteLength === 0 || cid.byteLength > limits.maxCidBytes) {
          throw new MalformedMessageError(`GetManifest CID of ${cid.byteLength} bytes (allowed 1..${limits.maxCidBytes})`)
        }
        return { type: 'get-manifest', cid: CID.decode(cid) }
      }
      case FIELD.manifest: {
        const { bytes } = pb.Manifest.decode(body)
        if (bytes.byteLength > limits.maxManifestBytes) {
          throw new MalformedMessageError(
            `manifest of ${bytes.byteLength} bytes exceeds the limit of ${limits.maxManifestBytes}`,
          )
        }
        return { type: 'manifest', bytes }
      }
      case FIELD.reject: {
        const { reason } = pb.ManifestReject.decode(body)
        if (reason !== pb.ManifestRejectReason.MANIFEST_REJECT_REASON_NOT_FOUND) {
          throw new MalformedMessageError('manifest Reject gives no known reason')
        }
        return { type: 'reject', reason: 'not-found' }
      }
      default:
        throw new MalformedMessageError(`unknown manifest protocol message type (envelope field ${field})`)
    }
  } catch (err) {
    if (err instanceof MalformedMessageError) throw err
    throw new MalformedMessageError(`malformed manifest protocol message: ${(err as Error)?.message ?? err}`, {
      cause: err,
    })
  }
}
