import { createHash } from 'node:crypto'
import { InvalidInputError, ProtocolError } from '@imgswarm/core'
import type { AbortOptions, Connection, Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import {
  DEFAULT_MANIFEST_RESPONSE_TIMEOUT_MS,
  DEFAULT_MAX_CID_BYTES,
  DEFAULT_MAX_MANIFEST_BYTES,
  DEFAULT_MAX_MANIFEST_REQUEST_BYTES,
  MANIFEST_FRAME_OVERHEAD,
  MANIFEST_PROTOCOL,
} from './constants.js'
import { ManifestMismatchError, ManifestNotFoundError, PeerStreamError, UnexpectedMessageError } from './errors.js'
import { FramedStream } from './framed-stream.js'
import { decodeManifestMessage, encodeManifestMessage } from './manifest-messages.js'
import type { ManifestMessageLimits } from './manifest-messages.js'

/** multicodec code of sha2-256, the only manifest hash we can check. */
const SHA2_256 = 0x12

/** Where a manifest stream comes from: a libp2p connection, or any function that opens one. */
export type ProtocolStreamOpener =
  | Pick<Connection, 'newStream'>
  | ((protocol: string, options: AbortOptions) => Promise<Stream>)

export interface FetchManifestOptions extends AbortOptions {
  /** Largest manifest accepted (default DEFAULT_MAX_MANIFEST_BYTES); a larger frame is refused unread. */
  maxManifestBytes?: number
  /** Check that the bytes hash to the CID (sha2-256 CIDs only; default true). */
  verify?: boolean
}

/**
 * Asks one peer for the manifest named `cid` over `/imgswarm/manifest/1.0.0` and returns its
 * encoded bytes (checked against the CID's sha2-256 digest). Throws ManifestNotFoundError if the
 * peer does not hold it, a ProtocolError if the peer misbehaves (oversized or garbage answer, bytes
 * that do not match the CID), PeerStreamError if the stream fails, the signal's reason on abort.
 */
export async function fetchManifest(
  opener: ProtocolStreamOpener,
  cid: CID,
  options: FetchManifestOptions = {},
): Promise<Uint8Array> {
  const limits: ManifestMessageLimits = {
    maxManifestBytes: options.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES,
    maxCidBytes: DEFAULT_MAX_CID_BYTES,
  }
  const verify = options.verify !== false
  if (verify && cid.multihash.code !== SHA2_256) {
    throw new InvalidInputError(`cannot verify manifest ${cid}: its hash (0x${cid.multihash.code.toString(16)}) is not sha2-256`)
  }
  const stream = await openStream(opener, options)
  const framed = new FramedStream(stream, {
    maxFrameBytes: limits.maxManifestBytes + MANIFEST_FRAME_OVERHEAD,
    maxSendFrameBytes: DEFAULT_MAX_MANIFEST_REQUEST_BYTES,
  })
  try {
    await framed.send(encodeManifestMessage({ type: 'get-manifest', cid }, limits), options)
    await framed.closeWrite(options)
    const frame = await framed.read(options)
    if (frame === undefined) throw new PeerStreamError(`peer closed the manifest stream without answering for ${cid}`)
    const answer = decodeManifestMessage(frame, limits)
    if (answer.type === 'reject') throw new ManifestNotFoundError(`peer does not hold manifest ${cid}`)
    if (answer.type !== 'manifest') {
      throw new UnexpectedMessageError(`peer answered a manifest request with ${answer.type}`)
    }
    if (verify && !digestMatches(answer.bytes, cid)) {
      throw new ManifestMismatchError(`peer sent ${answer.bytes.byteLength} bytes that do not hash to manifest ${cid}`)
    }
    return answer.bytes
  } catch (err) {
    framed.abort(err instanceof Error ? err : new PeerStreamError(String(err)))
    throw err
  }
}

/** Finds a manifest's encoded bytes by CID, or undefined if this node does not hold it. */
export type ManifestLookup = (cid: CID, options: AbortOptions) => Promise<Uint8Array | undefined> | Uint8Array | undefined

export interface HandleManifestOptions extends AbortOptions {
  /** Time allowed for the whole exchange (default DEFAULT_MANIFEST_RESPONSE_TIMEOUT_MS). */
  timeoutMs?: number
  /** Largest manifest this side will send (default DEFAULT_MAX_MANIFEST_BYTES). */
  maxManifestBytes?: number
}

/** How one inbound manifest request ended. */
export type ManifestServeOutcome = 'served' | 'not-found' | 'failed'

/**
 * Serves one inbound `/imgswarm/manifest/1.0.0` stream: reads the request (a few hundred bytes at
 * most), answers with the manifest or a not-found Reject, and closes. Never rejects: a bad request,
 * a failing lookup or a vanished peer resets the stream, is logged on the stream's logger and
 * gives 'failed'. Suitable as a libp2p protocol handler as it is.
 */
export async function handleManifestStream(
  stream: Stream,
  lookup: ManifestLookup,
  options: HandleManifestOptions = {},
): Promise<ManifestServeOutcome> {
  const limits: ManifestMessageLimits = {
    maxManifestBytes: options.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES,
    maxCidBytes: DEFAULT_MAX_CID_BYTES,
  }
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_MANIFEST_RESPONSE_TIMEOUT_MS)
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal])
  let framed: FramedStream | undefined
  try {
    framed = new FramedStream(stream, {
      maxFrameBytes: DEFAULT_MAX_MANIFEST_REQUEST_BYTES,
      maxSendFrameBytes: limits.maxManifestBytes + MANIFEST_FRAME_OVERHEAD,
    })
    const frame = await framed.read({ signal })
    if (frame === undefined) throw new PeerStreamError('peer closed the manifest stream without asking')
    const request = decodeManifestMessage(frame, limits)
    if (request.type !== 'get-manifest') {
      throw new UnexpectedMessageError(`peer opened a manifest stream with ${request.type}`)
    }
    const bytes = await lookup(request.cid, { signal })
    await framed.send(
      encodeManifestMessage(bytes === undefined ? { type: 'reject', reason: 'not-found' } : { type: 'manifest', bytes }, limits),
      { signal },
    )
    await framed.closeWrite({ signal })
    return bytes === undefined ? 'not-found' : 'served'
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err))
    stream.log.error('manifest request failed - %e', error)
    if (framed !== undefined) framed.abort(error)
    else stream.abort(error)
    return 'failed'
  }
}

async function openStream(opener: ProtocolStreamOpener, options: AbortOptions): Promise<Stream> {
  try {
    return typeof opener === 'function'
      ? await opener(MANIFEST_PROTOCOL, options)
      : await opener.newStream(MANIFEST_PROTOCOL, options)
  } catch (err) {
    options.signal?.throwIfAborted()
    if (err instanceof ProtocolError || err instanceof PeerStreamError) throw err
    throw new PeerStreamError(`cannot open ${MANIFEST_PROTOCOL}: ${(err as Error)?.message ?? err}`, { cause: err })
  }
}

function digestMatches(bytes: Uint8Array, cid: CID): boolean {
  const digest = createHash('sha256').update(bytes).digest()
  return Buffer.compare(digest, cid.multihash.digest) === 0
}
