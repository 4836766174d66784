import { Bitfield, ImgswarmError, InvalidInputError, chunkPieces, type ChunkBytes, type ChunkIndex } from '@imgswarm/core'
import { CID } from 'multiformats/cid'
import { MaxLengthError, reader as createReader, writer as createWriter } from 'protons-runtime'
import { Uint8ArrayList } from 'uint8arraylist'
import { contiguous, openEnvelope } from './envelope.js'
import { MalformedMessageError } from './errors.js'
import { DEFAULT_WIRE_LIMITS } from './limits.js'
import type { WireLimits } from './limits.js'
import * as pb from './pb/messages.js'

// The TypeScript face of /imgswarm/chunks/1.0.0 (schema: pb/messages.proto) and its codec.
// Both directions run the same checks (`checkMessage`): we never send what a peer would refuse.

/** Why a peer declined a request; the same union as the fetch scheduler's `RejectReason`. */
export type RejectReason = 'not-have' | 'busy' | 'elsewhere' | 'shutting-down'

/** Why a peer ends a session. */
export type GoodbyeReason =
  | 'done' // nothing more to trade
  | 'unknown-manifest' // the responder does not hold the Hello's manifest
  | 'shutting-down'
  | 'too-many-peers'
  | 'protocol-error'
  | 'banned'

/** First message each way. `bitfield.length` is the manifest's chunk count. */
export interface HelloMessage {
  type: 'hello'
  manifest: CID
  bitfield: Bitfield
  site?: string
  seed: boolean
  listenAddrs?: readonly string[]
}

export interface HaveMessage {
  type: 'have'
  indices: readonly ChunkIndex[]
}

export interface RequestMessage {
  type: 'request'
  indices: readonly ChunkIndex[]
}

export interface CancelMessage {
  type: 'cancel'
  indices: readonly ChunkIndex[]
}

/**
 * A chunk's bytes. Decoded, `bytes` is a view into the received frame, never a copy: one array
 * when the frame arrived in one piece, else the pieces the transport delivered (a Uint8ArrayList).
 */
export interface ChunkMessage {
  type: 'chunk'
  index: ChunkIndex
  bytes: ChunkBytes
}

export interface RejectMessage {
  type: 'reject'
  index: ChunkIndex
  reason: RejectReason
}

export interface PeerAddresses {
  id: string
  addrs: readonly string[]
}

export interface PeersMessage {
  type: 'peers'
  peers: readonly PeerAddresses[]
}

export interface GoodbyeMessage {
  type: 'goodbye'
  reason: GoodbyeReason
  message?: string
}

/** Every message of /imgswarm/chunks/1.0.0. */
export type WireMessage =
  | HelloMessage
  | HaveMessage
  | RequestMessage
  | CancelMessage
  | ChunkMessage
  | RejectMessage
  | PeersMessage
  | GoodbyeMessage

export type WireMessageType = WireMessage['type']

// Envelope field numbers (pb/messages.proto, ChunkProtocolMessage).
const FIELD: Record<WireMessageType, number> = {
  hello: 1,
  have: 2,
  request: 3,
  cancel: 4,
  chunk: 5,
  reject: 6,
  peers: 7,
  goodbye: 8,
}

const REJECT_TO_PB: Record<RejectReason, pb.RejectReason> = {
  'not-have': pb.RejectReason.REJECT_REASON_NOT_HAVE,
  busy: pb.RejectReason.REJECT_REASON_BUSY,
  elsewhere: pb.RejectReason.REJECT_REASON_ELSEWHERE,
  'shutting-down': pb.RejectReason.REJECT_REASON_SHUTTING_DOWN,
}

const GOODBYE_TO_PB: Record<GoodbyeReason, pb.GoodbyeReason> = {
  done: pb.GoodbyeReason.GOODBYE_REASON_DONE,
  'unknown-manifest': pb.GoodbyeReason.GOODBYE_REASON_UNKNOWN_MANIFEST,
  'shutting-down': pb.GoodbyeReason.GOODBYE_REASON_SHUTTING_DOWN,
  'too-many-peers': pb.GoodbyeReason.GOODBYE_REASON_TOO_MANY_PEERS,
  'protocol-error': pb.GoodbyeReason.GOODBYE_REASON_PROTOCOL_ERROR,
  banned: pb.GoodbyeReason.GOODBYE_REASON_BANNED,
}

const REJECT_FROM_PB = invert(REJECT_TO_PB)
const GOODBYE_FROM_PB = invert(GOODBYE_TO_PB)

// Protobuf tags of the Chunk fast path: envelope field 5, then Chunk.index (varint) and
// Chunk.data (length-delimited).
const ENVELOPE_CHUNK_TAG = (FIELD.chunk << 3) | 2
const CHUNK_INDEX_TAG = (1 << 3) | 0
const CHUNK_DATA_TAG = (2 << 3) | 2

/**
 * Encodes a message as the parts of one frame body (no length prefix). For a Chunk the payload
 * is one of the parts, not copied. Throws InvalidInputError if the message breaks `limits`.
 */
export function encodeMessageParts(msg: WireMessage, limits: WireLimits = DEFAULT_WIRE_LIMITS): Uint8ArrayList {
  checkMessage(msg, limits, (m) => new InvalidInputError(`cannot send ${msg.type}: ${m}`))
  if (msg.type === 'chunk') {
    return new Uint8ArrayList(chunkHeader(msg.index, msg.bytes.byteLength), ...chunkPieces(msg.bytes))
  }
  const body = pb.ChunkProtocolMessage.encode(toPb(msg))
  if (body.byteLength > limits.maxControlMessageBytes) {
    throw new InvalidInputError(
      `cannot send ${msg.type}: ${body.byteLength} bytes exceed the control message limit of ${limits.maxControlMessageBytes}`,
    )
  }
  return new Uint8ArrayList(body)
}

/** Encodes a message as one contiguous frame body (copies a Chunk's payload; see encodeMessageParts). */
export function encodeMessage(msg: WireMessage, limits: WireLimits = DEFAULT_WIRE_LIMITS): Uint8Array {
  return encodeMessageParts(msg, limits).subarray()
}

/**
 * Decodes one frame body. Anything malformed, unknown, out of range or over `limits` throws
 * MalformedMessageError (a ProtocolError); nothing else escapes.
 */
export function decodeMessage(
  frame: Uint8Array | Uint8ArrayList,
  limits: WireLimits = DEFAULT_WIRE_LIMITS,
): WireMessage {
  if (!(frame instanceof Uint8Array)) {
    const chunk = decodeChunkInPlace(frame)
    if (chunk !== undefined) {
      checkMessage(chunk, limits, (m) => new MalformedMessageError(`peer sent a bad chunk: ${m}`))
      return chunk
    }
  }
  const bytes = contiguous(frame)
  const { field, body } = openEnvelope(bytes, 'chunk protocol')
  if (field !== FIELD.chunk && bytes.byteLength > limits.maxControlMessageBytes) {
    throw new MalformedMessageError(
      `control message of ${bytes.byteLength} bytes exceeds the limit of ${limits.maxControlMessageBytes}`,
    )
  }
  let msg: WireMessage
  try {
    msg = fromPb(field, body, limits)
  } catch (err) {
    if (err instanceof ImgswarmError) throw toMalformed(err)
    const detail = err instanceof MaxLengthError ? overLimit(field, limits) : String((err as Error)?.message ?? err)
    throw new MalformedMessageError(`malformed ${fieldName(field)} message: ${detail}`, { cause: err })
  }
  checkMessage(msg, limits, (m) => new MalformedMessageError(`peer sent a bad ${msg.type}: ${m}`))
  return msg
}

/** Longest header before a Chunk's payload: envelope tag + length, index tag + value, data tag + length. */
const MAX_CHUNK_HEADER_BYTES = 1 + 5 + 1 + 5 + 1 + 5

/**
 * The Chunk a frame read as a list of buffers holds, its payload left in the pieces it arrived in
 * (joining them would copy every byte of the image once more). Only the exact layout our encoder writes
 * is taken here: envelope field 5 spanning the frame, then Chunk.index (absent when 0), then
 * Chunk.data spanning the rest. Anything else returns undefined and goes through the full
 * decoder, which accepts or refuses it as before.
 */
function decodeChunkInPlace(frame: Uint8ArrayList): ChunkMessage | undefined {
  // the reader of the protons-runtime writer chunkHeader() uses: varints read as the full decoder reads them
  const head = createReader(frame.subarray(0, Math.min(frame.byteLength, MAX_CHUNK_HEADER_BYTES)))
  try {
    if (head.uint32() !== ENVELOPE_CHUNK_TAG) return undefined
    const envelopeLength = head.uint32()
    if (head.pos + envelopeLength !== frame.byteLength) return undefined
    let tag = head.uint32()
    let index = 0
    if (tag === CHUNK_INDEX_TAG) {
      index = head.uint32()
      if (index === 0) return undefined
      tag = head.uint32()
    }
    if (tag !== CHUNK_DATA_TAG) return undefined
    const dataLength = head.uint32()
    if (dataLength === 0 || head.pos + dataLength !== frame.byteLength) return undefined
    return { type: 'chunk', index, bytes: frame.sublist(head.pos) }
  } catch {
    return undefined // a header cut short: the full decoder says what is wrong
  }
}

function chunkHeader(index: number, length: number): Uint8Array {
  const inner = createWriter()
  writeChunkFields(inner, index, length)
  const header = createWriter().uint32(ENVELOPE_CHUNK_TAG).uint32(inner.len + length)
  writeChunkFields(header, index, length)
  return header.finish()
}

// proto3 leaves default values (0, empty) off the wire; so do we, to match protons byte for byte.
function writeChunkFields(w: ReturnType<typeof createWriter>, index: number, length: number): void {
  if (index !== 0) w.uint32(CHUNK_INDEX_TAG).uint32(index)
  if (length !== 0) w.uint32(CHUNK_DATA_TAG).uint32(length)
}

function toPb(msg: Exclude<WireMessage, ChunkMessage>): pb.ChunkProtocolMessage {
  switch (msg.type) {
    case 'hello':
      return {
        hello: {
          manifest: msg.manifest.bytes as Uint8Array<ArrayBuffer>,
          chunkCount: msg.bitfield.length,
          bitfield: msg.bitfield.toBytes() as Uint8Array<ArrayBuffer>,
          site: msg.site,
          seed: msg.seed,
          listenAddrs: [...(msg.listenAddrs ?? [])],
        },
      }
    case 'have':
      return { have: { indices: [...msg.indices] } }
    case 'request':
      return { request: { indices: [...msg.indices] } }
    case 'cancel':
      return { cancel: { indices: [...msg.indices] } }
    case 'reject':
      return { reject: { index: msg.index, reason: REJECT_TO_PB[msg.reason] } }
    case 'peers':
      return { peers: { peers: msg.peers.map((p) => ({ id: p.id, addrs: [...p.addrs] })) } }
    case 'goodbye':
      return { goodbye: { reason: GOODBYE_TO_PB[msg.reason], message: msg.message } }
  }
}

function fromPb(field: number, body: Uint8Array, limits: WireLimits): WireMessage {
  const indices = { limits: { indices: limits.maxIndicesPerMessage } }
  switch (field) {
    case FIELD.hello: {
      const h = pb.Hello.decode(body, { limits: { listenAddrs: limits.maxAddrsPerPeer } })
      if (h.chunkCount > limits.maxChunkCount) {
        throw new MalformedMessageError(`Hello announces ${h.chunkCount} chunks, over the limit of ${limits.maxChunkCount}`)
      }
      const msg: HelloMessage = {
        type: 'hello',
        manifest: decodeCid(h.manifest, limits.maxCidBytes),
        bitfield: new Bitfield(h.chunkCount, h.bitfield),
        seed: h.seed,
      }
      if (h.site !== undefined) msg.site = h.site
      if (h.listenAddrs.length > 0) msg.listenAddrs = h.listenAddrs
      return msg
    }
    case FIELD.have:
      return { type: 'have', indices: pb.Have.decode(body, indices).indices }
    case FIELD.request:
      return { type: 'request', indices: pb.Request.decode(body, indices).indices }
    case FIELD.cancel:
      return { type: 'cancel', indices: pb.Cancel.decode(body, indices).indices }
    case FIELD.chunk: {
      const c = pb.Chunk.decode(body)
      return { type: 'chunk', index: c.index, bytes: c.data }
    }
    case FIELD.reject: {
      const r = pb.Reject.decode(body)
      const reason = REJECT_FROM_PB.get(r.reason)
      if (reason === undefined) throw new MalformedMessageError(`Reject of chunk ${r.index} gives no known reason`)
      return { type: 'reject', index: r.index, reason }
    }
    case FIELD.peers: {
      const p = pb.Peers.decode(body, {
        limits: { peers: limits.maxPeersPerMessage, peers$: { addrs: limits.maxAddrsPerPeer } },
      })
      return { type: 'peers', peers: p.peers }
    }
    case FIELD.goodbye: {
      const g = pb.Goodbye.decode(body)
      const reason = GOODBYE_FROM_PB.get(g.reason)
      if (reason === undefined) throw new MalformedMessageError('Goodbye gives no known reason')
      const msg: GoodbyeMessage = { type: 'goodbye', reason }
      if (g.message !== undefined) msg.message = g.message
      return msg
    }
    default:
      throw new MalformedMessageError(`unknown chunk protocol message type (envelope field ${field})`)
  }
}

/** The rules both directions share; `fail` makes the error (InvalidInputError out, ProtocolError in). */
function checkMessage(msg: WireMessage, limits: WireLimits, fail: (detail: string) => Error): void {
  switch (msg.type) {
    case 'hello': {
      const count = msg.bitfield.length
      if (count > limits.maxChunkCount) throw fail(`${count} chunks exceed the limit of ${limits.maxChunkCount}`)
      if (limits.chunkCount !== undefined && count !== limits.chunkCount) {
        throw fail(`it announces ${count} chunks, the session's manifest has ${limits.chunkCount}`)
      }
      if (msg.manifest.bytes.byteLength > limits.maxCidBytes) throw fail('manifest CID is too long')
      checkText('site', msg.site, limits.maxSiteLength, fail)
      checkAddrs('listen addresses', msg.listenAddrs ?? [], limits, fail)
      return
    }
    case 'have':
    case 'request':
    case 'cancel':
      if (msg.indices.length > limits.maxIndicesPerMessage) {
        throw fail(`${msg.indices.length} indices exceed the limit of ${limits.maxIndicesPerMessage}`)
      }
      for (const index of msg.indices) checkIndex(index, limits, fail)
      return
    case 'chunk':
      checkIndex(msg.index, limits, fail)
      if (msg.bytes.byteLength > limits.maxChunkBytes) {
        throw fail(`chunk ${msg.index} has ${msg.bytes.byteLength} bytes, over the limit of ${limits.maxChunkBytes}`)
      }
      return
    case 'reject':
      checkIndex(msg.index, limits, fail)
      if (!(msg.reason in REJECT_TO_PB)) throw fail(`unknown reason ${JSON.stringify(msg.reason)}`)
      return
    case 'peers':
      if (msg.peers.length > limits.maxPeersPerMessage) {
        throw fail(`${msg.peers.length} peers exceed the limit of ${limits.maxPeersPerMessage}`)
      }
      for (const peer of msg.peers) {
        if (peer.id.length === 0 || peer.id.length > limits.maxPeerIdLength) {
          throw fail(`peer id of ${peer.id.length} characters (allowed 1..${limits.maxPeerIdLength})`)
        }
        checkAddrs(`addresses of ${peer.id}`, peer.addrs, limits, fail)
      }
      return
    case 'goodbye':
      if (!(msg.reason in GOODBYE_TO_PB)) throw fail(`unknown reason ${JSON.stringify(msg.reason)}`)
      checkText('message', msg.message, limits.maxGoodbyeMessageLength, fail)
      return
    default:
      throw fail(`unknown message type ${JSON.stringify((msg as { type?: unknown }).type)}`)
  }
}

function checkIndex(index: number, limits: WireLimits, fail: (detail: string) => Error): void {
  const bound = limits.chunkCount ?? limits.maxChunkCount
  if (!Number.isInteger(index) || index < 0 || index >= bound) {
    throw fail(`chunk index ${index} out of range 0..${bound - 1}`)
  }
}

function checkAddrs(what: string, addrs: readonly string[], limits: WireLimits, fail: (d: string) => Error): void {
  if (addrs.length > limits.maxAddrsPerPeer) {
    throw fail(`${addrs.length} ${what} exceed the limit of ${limits.maxAddrsPerPeer}`)
  }
  for (const addr of addrs) {
    if (addr.length === 0 || addr.length > limits.maxAddrLength) {
      throw fail(`one of the ${what} has ${addr.length} characters (allowed 1..${limits.maxAddrLength})`)
    }
  }
}

function checkText(what: string, text: string | undefined, max: number, fail: (d: string) => Error): void {
  if (text !== undefined && text.length > max) throw fail(`${what} of ${text.length} characters exceeds ${max}`)
}

function decodeCid(bytes: Uint8Array, maxCidBytes: number): CID {
  if (bytes.byteLength === 0) throw new MalformedMessageError('Hello names no manifest')
  if (bytes.byteLength > maxCidBytes) throw new MalformedMessageError(`manifest CID of ${bytes.byteLength} bytes is too long`)
  try {
    return CID.decode(bytes)
  } catch (err) {
    throw new MalformedMessageError(`Hello names an invalid manifest CID: ${(err as Error).message}`, { cause: err })
  }
}

function toMalformed(err: ImgswarmError): MalformedMessageError {
  return err instanceof MalformedMessageError ? err : new MalformedMessageError(err.message, { cause: err })
}

function overLimit(field: number, limits: WireLimits): string {
  switch (field) {
    case FIELD.hello:
      return `more than ${limits.maxAddrsPerPeer} listen addresses`
    case FIELD.peers:
      return `more than ${limits.maxPeersPerMessage} peers or ${limits.maxAddrsPerPeer} addresses per peer`
    default:
      return `more than ${limits.maxIndicesPerMessage} indices`
  }
}

function fieldName(field: number): string {
  return Object.entries(FIELD).find(([, n]) => n === field)?.[0] ?? `field ${field}`
}

function invert<K extends string, V>(record: Record<K, V>): Map<V, K> {
  return new Map(Object.entries(record).map(([k, v]) => [v as V, k as K]))
}
