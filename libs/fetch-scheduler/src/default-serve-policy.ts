import type { Bitfield, ChunkIndex } from '@imgswarm/core'
import type { PeerKey } from './network.js'
import type { ServeContext, ServePolicy } from './serve-policy.js'
import type { ServeCandidate } from './serve-queue.js'

/** A peer's share never falls below this fraction of a peer that misses everything. */
const MIN_WEIGHT = 0.05

/**
 * Serves every request it holds the chunk for, sharing the uplink by weighted fair queueing:
 * the next chunk goes to the waiting peer with the least bytes received from us lately relative
 * to its weight, the fraction of the image it still misses (as its Hello and Haves tell). Peers
 * that are behind get more, peers about to finish less (never none): completion times draw
 * together, and the swarm is done when its last peer is. Each peer's requests go in the order it
 * sent them: receivers already ask for the rarest chunks first.
 */
export class DefaultServePolicy implements ServePolicy {
  readonly name = 'default'
  private readonly missing = new Map<PeerKey, { missing: number; total: number }>()

  peerJoined(peer: PeerKey, haves: Bitfield): void {
    this.missing.set(peer, { missing: haves.length - haves.count, total: Math.max(1, haves.length) })
  }

  peerHave(peer: PeerKey, indices: readonly ChunkIndex[]): void {
    const m = this.missing.get(peer)
    if (m !== undefined) m.missing = Math.max(0, m.missing - indices.length)
  }

  peerLeft(peer: PeerKey): void {
    this.missing.delete(peer)
  }

  sent(): void {}

  admit(): undefined {
    return undefined
  }

  revoke(): ServeCandidate[] {
    return []
  }

  next(ctx: ServeContext): ServeCandidate | undefined {
    let best: ServeCandidate | undefined
    let least = Infinity
    // peers() starts with the peer whose turn it is: ties go round-robin
    for (const peer of ctx.queue.peers()) {
      if (!ctx.canSendTo(peer)) continue
      const key = ctx.servedLately(peer) / this.weight(peer)
      if (key < least) {
        least = key
        best = { peer, index: ctx.queue.headOf(peer) as number }
      }
    }
    return best
  }

  private weight(peer: PeerKey): number {
    const m = this.missing.get(peer)
    return m === undefined ? 1 : Math.max(MIN_WEIGHT, m.missing / m.total)
  }
}
