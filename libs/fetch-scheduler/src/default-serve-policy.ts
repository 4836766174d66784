import type { ServeContext, ServePolicy } from './serve-policy.js'
import type { ServeCandidate } from './serve-queue.js'

/**
 * Serves every request it holds the chunk for, fairly: the next chunk goes to the waiting peer
 * we sent the fewest bytes lately (a deficit scheme: a peer that asks more does not get more),
 * ties in round-robin order, each peer's requests in the order it sent them. Receivers already
 * ask for the rarest chunks first, so an agent has no reason to reorder them.
 */
export class DefaultServePolicy implements ServePolicy {
  readonly name = 'default'

  peerJoined(): void {}
  peerHave(): void {}
  peerLeft(): void {}
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
    for (const peer of ctx.queue.peers()) {
      if (!ctx.canSendTo(peer)) continue
      const served = ctx.servedLately(peer)
      if (served < least) {
        least = served
        best = { peer, index: ctx.queue.headOf(peer) as number }
      }
    }
    return best
  }
}
