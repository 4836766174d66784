import type { Bitfield, ChunkIndex } from '@imgswarm/core'
import type { PeerKey, RejectReason } from './network.js'
import type { ServeCandidate, ServeQueue } from './serve-queue.js'

/** What a serve policy may look at when it decides. */
export interface ServeContext {
  now: number
  /** Sends under way, and the upload slots there are. */
  active: number
  slots: number
  queue: ServeQueue
  /** Bytes we sent `peer` lately (exponentially decayed): the basis of fair shares. */
  servedLately(peer: PeerKey): number
  /** False while `peer` already has as many sends under way as it may (its requests wait). */
  canSendTo(peer: PeerKey): boolean
}

/**
 * How an `Uploader` orders and admits the requests it receives. Named implementations:
 * `DefaultServePolicy` (fair round-robin, for agents) and `SeedServePolicy` (for seeds: each
 * chunk about once, rarest first, others sent 'elsewhere').
 */
export interface ServePolicy {
  readonly name: string
  peerJoined(peer: PeerKey, haves: Bitfield): void
  peerHave(peer: PeerKey, indices: readonly ChunkIndex[]): void
  peerLeft(peer: PeerKey): void
  /** A request arrived for a chunk we hold: a reason to decline it now, or undefined to queue it. */
  admit(peer: PeerKey, index: ChunkIndex, ctx: ServeContext): RejectReason | undefined
  /** Queued requests to decline now (answered with 'elsewhere'); the uploader removes them. */
  revoke(ctx: ServeContext): ServeCandidate[]
  /** The queued request to serve next, or undefined. */
  next(ctx: ServeContext): ServeCandidate | undefined
  /** The chunk was handed to the network for `peer`. */
  sent(peer: PeerKey, index: ChunkIndex): void
}
