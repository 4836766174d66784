/**
 * @packageDocumentation
 * The imgswarm wire protocols over libp2p 3 streams.
 *
 * - `/imgswarm/chunks/1.0.0` (CHUNK_PROTOCOL): one long-lived session per (peer pair, manifest).
 *   Wrap the stream in a {@link MessageChannel}: Hello each way first, then Have / Request /
 *   Cancel / Chunk / Reject / Peers / Goodbye. `encodeMessage` / `decodeMessage` are the pure codec.
 * - `/imgswarm/manifest/1.0.0` (MANIFEST_PROTOCOL): {@link fetchManifest} on the asking side,
 *   {@link handleManifestStream} as the handler.
 *
 * Frames are varint length-prefixed (it-length-prefixed) protobuf envelopes (pb/messages.proto,
 * compiled by protons). Every message has hard limits (constants.ts, overridable per channel); a
 * length prefix over the limit is refused before its bytes are buffered. Whatever a peer sends,
 * the receiving side gets a ProtocolError (from `@imgswarm/core`) and the stream is reset, never
 * an uncaught exception.
 */
export {
  CHUNK_PROTOCOL,
  MANIFEST_PROTOCOL,
  CHUNK_FRAME_OVERHEAD,
  MANIFEST_FRAME_OVERHEAD,
  DEFAULT_MAX_CHUNK_BYTES,
  DEFAULT_MAX_CHUNK_COUNT,
  DEFAULT_MAX_BITFIELD_BYTES,
  DEFAULT_MAX_CONTROL_MESSAGE_BYTES,
  DEFAULT_MAX_INDICES_PER_MESSAGE,
  DEFAULT_MAX_PEERS_PER_MESSAGE,
  DEFAULT_MAX_ADDRS_PER_PEER,
  DEFAULT_MAX_ADDR_LENGTH,
  DEFAULT_MAX_PEER_ID_LENGTH,
  DEFAULT_MAX_SITE_LENGTH,
  DEFAULT_MAX_GOODBYE_MESSAGE_LENGTH,
  DEFAULT_MAX_CID_BYTES,
  DEFAULT_MAX_MANIFEST_BYTES,
  DEFAULT_MAX_MANIFEST_REQUEST_BYTES,
  DEFAULT_MANIFEST_RESPONSE_TIMEOUT_MS,
  DEFAULT_READ_HIGH_WATER_BYTES,
  DEFAULT_MIN_STREAM_READ_BUFFER_BYTES,
  DEFAULT_GOODBYE_TIMEOUT_MS,
} from './constants.js'
export {
  FrameTooLargeError,
  MalformedMessageError,
  UnexpectedMessageError,
  ManifestMismatchError,
  ManifestNotFoundError,
  PeerStreamError,
} from './errors.js'
export { DEFAULT_WIRE_LIMITS, wireLimits, maxChunkProtocolFrameBytes } from './limits.js'
export type { WireLimits } from './limits.js'
export { encodeMessage, encodeMessageParts, decodeMessage } from './messages.js'
export type {
  WireMessage,
  WireMessageType,
  HelloMessage,
  HaveMessage,
  RequestMessage,
  CancelMessage,
  ChunkMessage,
  RejectMessage,
  PeersMessage,
  PeerAddresses,
  GoodbyeMessage,
  RejectReason,
  GoodbyeReason,
} from './messages.js'
export { encodeManifestMessage, decodeManifestMessage, DEFAULT_MANIFEST_MESSAGE_LIMITS } from './manifest-messages.js'
export type {
  ManifestMessage,
  GetManifestMessage,
  ManifestBytesMessage,
  ManifestRejectMessage,
  ManifestRejectReason,
  ManifestMessageLimits,
} from './manifest-messages.js'
export { FramedStream } from './framed-stream.js'
export type { FramedStreamInit } from './framed-stream.js'
export { MessageChannel } from './message-channel.js'
export type { MessageChannelInit } from './message-channel.js'
export { fetchManifest, handleManifestStream } from './manifest-protocol.js'
export type {
  ProtocolStreamOpener,
  FetchManifestOptions,
  ManifestLookup,
  HandleManifestOptions,
  ManifestServeOutcome,
} from './manifest-protocol.js'
