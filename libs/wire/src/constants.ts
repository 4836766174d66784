import { Bitfield, MAX_CHUNK_SIZE, MAX_CHUNKS_PER_MANIFEST } from '@imgswarm/core'

/** The chunk exchange: one long-lived bidirectional session per (peer pair, manifest). */
export const CHUNK_PROTOCOL = '/imgswarm/chunks/1.0.0'

/** Manifest by CID: one request, one response. */
export const MANIFEST_PROTOCOL = '/imgswarm/manifest/1.0.0'

/**
 * Bytes a Chunk frame carries besides its payload: envelope tag and length, index field,
 * data tag and length (at most 1 + 5 + 1 + 5 + 1 + 5). Rounded up.
 */
export const CHUNK_FRAME_OVERHEAD = 32

/** Largest chunk payload accepted in one Chunk message (core's hard limit). */
export const DEFAULT_MAX_CHUNK_BYTES = MAX_CHUNK_SIZE

/** Largest chunk count a Hello may announce (core's hard limit). */
export const DEFAULT_MAX_CHUNK_COUNT = MAX_CHUNKS_PER_MANIFEST

/** Largest bitfield in a Hello, in bytes: one bit per chunk of the largest manifest. */
export const DEFAULT_MAX_BITFIELD_BYTES = Bitfield.byteLength(MAX_CHUNKS_PER_MANIFEST)

/**
 * Largest frame of any message but Chunk. The biggest is a Hello for the largest manifest
 * (its bitfield is ~500 kB); everything else is a few kB.
 */
export const DEFAULT_MAX_CONTROL_MESSAGE_BYTES = 1024 * 1024

/** Most chunk indices in one Have, Request or Cancel message. */
export const DEFAULT_MAX_INDICES_PER_MESSAGE = 4096

/** Most peers in one peer-exchange message. */
export const DEFAULT_MAX_PEERS_PER_MESSAGE = 64

/** Most multiaddrs per peer (in Peers) and in a Hello's listen addresses. */
export const DEFAULT_MAX_ADDRS_PER_PEER = 16

/** Longest multiaddr string accepted, in characters. */
export const DEFAULT_MAX_ADDR_LENGTH = 256

/** Longest peer id string accepted, in characters (an RSA peer id is ~60, ed25519 ~52). */
export const DEFAULT_MAX_PEER_ID_LENGTH = 128

/** Longest site label in a Hello, in characters. */
export const DEFAULT_MAX_SITE_LENGTH = 128

/** Longest free-text message in a Goodbye, in characters. */
export const DEFAULT_MAX_GOODBYE_MESSAGE_LENGTH = 256

/** Longest CID accepted, in bytes (a CIDv1 sha2-256 is 36). */
export const DEFAULT_MAX_CID_BYTES = 128

/** Largest encoded signed manifest a peer may send (the manifest library's default cap too). */
export const DEFAULT_MAX_MANIFEST_BYTES = 64 * 1024 * 1024

/** Largest frame on the manifest protocol besides the manifest bytes themselves. */
export const MANIFEST_FRAME_OVERHEAD = 32

/** Largest GetManifest request frame. */
export const DEFAULT_MAX_MANIFEST_REQUEST_BYTES = 512

/** How long a manifest responder waits for the request and answers, in total. */
export const DEFAULT_MANIFEST_RESPONSE_TIMEOUT_MS = 30_000

/**
 * Received bytes a channel holds before it pauses the stream (the muxer then stops granting the
 * sender window). One maximum chunk frame keeps a fast pipe full without letting a slow reader's
 * memory grow.
 */
export const DEFAULT_READ_HIGH_WATER_BYTES = MAX_CHUNK_SIZE + CHUNK_FRAME_OVERHEAD

/**
 * A paused libp2p stream keeps receiving up to the muxer's outstanding window and resets itself
 * when its buffer passes `maxReadBufferLength` (default 4 MiB, while yamux windows grow to
 * 16 MiB). Channels raise the stream's limit to at least this so that pausing cannot kill it.
 */
export const DEFAULT_MIN_STREAM_READ_BUFFER_BYTES = 32 * 1024 * 1024

/** How long a Goodbye and the close of our side may take before the stream is reset instead. */
export const DEFAULT_GOODBYE_TIMEOUT_MS = 2_000
