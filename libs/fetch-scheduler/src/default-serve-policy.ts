import type { ServeContext, ServePolicy } from './serve-policy.js'
import type { ServeCandidate } from './serve-queue.js'

/**
 * Serves every request it holds the chunk for, peers in turn (round-robin), each peer's
 * requests in order. Receivers already ask for the rarest chunks first, so an agent has no
 * reason to second-guess them; fairness comes from the round-robin and from the uploader
 * sharing its bounded queue equally among requesters.
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
    return ctx.queue.roundRobinHead()
  }
}
