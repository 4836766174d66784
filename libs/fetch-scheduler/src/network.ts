import type { Bitfield, ChunkBytes, ChunkIndex } from '@imgswarm/core'

/** A peer as the scheduler knows it: an opaque id (a libp2p peer id string in production). */
export type PeerKey = string

/** Why a peer declined a request. */
export type RejectReason =
  | 'not-have' // the peer does not hold that chunk (yet)
  | 'busy' // no upload slot free right now; ask again later or elsewhere
  | 'elsewhere' // a seed steering the swarm: this chunk is available from other peers
  | 'shutting-down'

/** What the network tells us about a peer when its session for this image opens. */
export interface PeerHello {
  /** The chunks the peer already holds (verified). */
  haves: Bitfield
  /** The peer's `site` label, for same-site preference. */
  site?: string
  /** True for a publisher/seed (holds everything, has a dedicated uplink). */
  seed?: boolean
}

/**
 * The network, as the scheduler sees it: one image (one manifest), many peers. The libp2p
 * adapter in `@imgswarm/swarm-node` implements it over `/imgswarm/chunks/1.0.0`; the unit
 * tests and the large-scale simulator implement it in memory. All calls are fire-and-forget
 * except `sendChunk`, which resolves once the transport has accepted the bytes (backpressure).
 */
export interface SwarmNetwork {
  /** Ask `peer` for these chunks; each answer arrives as `chunkReceived` or `chunkRejected`. */
  request(peer: PeerKey, indices: readonly ChunkIndex[]): void
  /** Withdraw requests (endgame duplicates, timeouts); the peer may still answer. */
  cancel(peer: PeerKey, indices: readonly ChunkIndex[]): void
  /** Send a requested chunk's bytes to `peer`. */
  sendChunk(peer: PeerKey, index: ChunkIndex, bytes: Uint8Array): Promise<void>
  /** Decline a request from `peer`. */
  reject(peer: PeerKey, index: ChunkIndex, reason: RejectReason): void
  /** Tell every peer in the session that we now hold these chunks. */
  announce(indices: readonly ChunkIndex[]): void
  /** Disconnect `peer` and refuse it from now on (it sent bytes that failed verification). */
  ban(peer: PeerKey, reason: string): void
}

/**
 * What the network reports, implemented by the scheduler side (downloader + uploader) and
 * called by the network adapter. Calls for one peer arrive in wire order.
 */
export interface SwarmEvents {
  peerJoined(peer: PeerKey, hello: PeerHello): void
  peerHave(peer: PeerKey, indices: readonly ChunkIndex[]): void
  peerLeft(peer: PeerKey): void
  /** `bytes` may be the pieces the transport delivered (not joined): hash and write them as they are. */
  chunkReceived(peer: PeerKey, index: ChunkIndex, bytes: ChunkBytes): void
  chunkRejected(peer: PeerKey, index: ChunkIndex, reason: RejectReason): void
  chunkRequested(peer: PeerKey, indices: readonly ChunkIndex[]): void
  requestCancelled(peer: PeerKey, indices: readonly ChunkIndex[]): void
}
