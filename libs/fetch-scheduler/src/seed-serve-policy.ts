import type { Bitfield, ChunkIndex } from '@imgswarm/core'
import { DEFAULT_ELSEWHERE_MEMORY_MS } from './constants.js'
import type { PeerKey, RejectReason } from './network.js'
import type { ServeContext, ServePolicy } from './serve-policy.js'
import type { ServeCandidate } from './serve-queue.js'

export interface SeedServePolicyInit {
  chunkCount: number
  /** How long a seed remembers telling a peer 'elsewhere' for a chunk (a second ask is served). */
  elsewhereMemoryMs?: number
  /**
   * Serve a first ask for a chunk other peers hold when the seed's slots would otherwise idle
   * (default false). Off, the seed's uplink carries about one copy of the image plus second
   * asks; on, it also fills idle time with copies peers could have traded, which finishes a
   * little sooner in an idealised network (simulation: ≤ 5 % at 16 agents) but on real links,
   * where agents ask the seed for held chunks whenever their peers answer 'busy', sent 1.6 × F.
   */
  serveWhenIdle?: boolean
}

/**
 * A seed's serve policy: its uplink should put each chunk into the swarm about once and leave
 * copying to the peers (super-seeding, adapted to receiver-driven requests).
 *
 * - Order: queued requests go rarest first, by (peers known to hold the chunk, times this seed
 *   already sent it); equal keys go round-robin over peers. New chunks leave first; a chunk
 *   already on its way to someone waits behind them.
 * - 'elsewhere': a first ask for a chunk that another peer already holds is declined (with
 *   `serveWhenIdle`, only when the sends under way plus the queued requests for rarer chunks
 *   fill every slot). Queued requests are re-checked each time a slot frees, as peers announce
 *   what they got.
 * - Never starve: the seed remembers whom it sent elsewhere for what; if that peer asks again
 *   for the same chunk (the holder was slow, left, or unknown to it), it is served. A chunk whose
 *   holders all left has availability 0 again and is served at once.
 *
 * Availability comes from the peers' Hellos and Haves, as the seed sees them, and from the
 * seed's own sends (a peer counts as holding a chunk once the seed sent it there).
 */
export class SeedServePolicy implements ServePolicy {
  readonly name = 'seed'
  private readonly chunkCount: number
  private readonly memoryMs: number
  private readonly serveWhenIdle: boolean
  private readonly availability: Int32Array
  private readonly sentCount: Uint32Array
  private readonly haves = new Map<PeerKey, Bitfield>()
  /** peer → chunk → when we told it 'elsewhere'. */
  private readonly toldElsewhere = new Map<PeerKey, Map<ChunkIndex, number>>()

  constructor(init: SeedServePolicyInit) {
    this.chunkCount = init.chunkCount
    this.memoryMs = init.elsewhereMemoryMs ?? DEFAULT_ELSEWHERE_MEMORY_MS
    this.serveWhenIdle = init.serveWhenIdle ?? false
    this.availability = new Int32Array(init.chunkCount)
    this.sentCount = new Uint32Array(init.chunkCount)
  }

  /** Peers known to hold `index`. */
  availabilityOf(index: ChunkIndex): number {
    return this.availability[index] ?? 0
  }

  /** Times this seed handed `index` to the network. */
  timesSent(index: ChunkIndex): number {
    return this.sentCount[index] ?? 0
  }

  peerJoined(peer: PeerKey, haves: Bitfield): void {
    if (haves.length !== this.chunkCount) return
    this.peerLeft(peer)
    const copy = haves.clone()
    this.haves.set(peer, copy)
    for (const i of copy.indices()) this.availability[i]++
  }

  peerHave(peer: PeerKey, indices: readonly ChunkIndex[]): void {
    const h = this.haves.get(peer)
    if (h === undefined) return
    for (const i of indices) {
      if (i >= 0 && i < this.chunkCount && h.set(i)) this.availability[i]++
    }
  }

  peerLeft(peer: PeerKey): void {
    const h = this.haves.get(peer)
    if (h !== undefined) for (const i of h.indices()) this.availability[i]--
    this.haves.delete(peer)
    this.toldElsewhere.delete(peer)
  }

  admit(peer: PeerKey, index: ChunkIndex, ctx: ServeContext): RejectReason | undefined {
    const others = this.othersHolding(peer, index)
    if (others === 0 || this.wasTold(peer, index, ctx.now)) return undefined
    if (this.serveWhenIdle && ctx.active + this.queuedRarerThan(ctx, others) < ctx.slots) return undefined
    this.remember(peer, index, ctx.now)
    return 'elsewhere'
  }

  revoke(ctx: ServeContext): ServeCandidate[] {
    if (ctx.queue.size === 0) return []
    // only serveWhenIdle weighs the rarer work queued: without it, skip that pass over the queue
    const rarer = this.serveWhenIdle ? this.queuedRarerCounts(ctx) : undefined
    const out: ServeCandidate[] = []
    for (const c of ctx.queue.entries()) {
      const others = this.othersHolding(c.peer, c.index)
      if (others === 0 || (rarer !== undefined && ctx.active + rarer[others] < ctx.slots)) continue
      if (this.wasTold(c.peer, c.index, ctx.now)) continue
      this.remember(c.peer, c.index, ctx.now)
      out.push(c)
    }
    return out
  }

  next(ctx: ServeContext): ServeCandidate | undefined {
    let best: ServeCandidate | undefined
    let bestAvail = Infinity
    let bestSent = Infinity
    for (const c of ctx.queue.entries()) {
      if (!ctx.canSendTo(c.peer)) continue
      // A second ask was deferred once already: it goes first, as if nobody held the chunk.
      const a = this.wasTold(c.peer, c.index, ctx.now) ? 0 : this.othersHolding(c.peer, c.index)
      const s = this.sentCount[c.index]
      if (a < bestAvail || (a === bestAvail && s < bestSent)) {
        best = c
        bestAvail = a
        bestSent = s
        if (a === 0 && s === 0) break
      }
    }
    return best
  }

  sent(peer: PeerKey, index: ChunkIndex): void {
    this.sentCount[index]++
    // Count the receiver as a holder now, not when its Have arrives: on real links that Have
    // queues behind the receiver's own uploads for a second or more, and meanwhile every other
    // peer that asks for the chunk would look like the first to want it and get another copy
    // from the seed (bench:swarm: 1.44-1.6 F from the seed with the Have, vs ~1 F simulated).
    this.peerHave(peer, [index])
  }

  /** Holders of `index` other than `peer`. */
  private othersHolding(peer: PeerKey, index: ChunkIndex): number {
    const a = this.availability[index]
    return this.haves.get(peer)?.has(index) === true ? a - 1 : a
  }

  /** Queued requests for chunks rarer than `availability` (they go first). */
  /**
   * rarer[a] = queued requests whose chunk fewer than `a` other peers hold, for every a up to the
   * largest queued availability (+1): from a histogram, so each lookup is O(1).
   */
  private queuedRarerCounts(ctx: ServeContext): number[] {
    const hist: number[] = []
    for (const c of ctx.queue.entries()) {
      const a = this.othersHolding(c.peer, c.index)
      hist[a] = (hist[a] ?? 0) + 1
    }
    const rarer: number[] = []
    let acc = 0
    for (let a = 0; a <= hist.length; a++) {
      rarer[a] = acc
      acc += hist[a] ?? 0
    }
    return rarer
  }

  private queuedRarerThan(ctx: ServeContext, availability: number): number {
    let n = 0
    for (const c of ctx.queue.entries()) if (this.othersHolding(c.peer, c.index) < availability) n++
    return n
  }

  /** We told `peer` to fetch `index` elsewhere recently: it asks again, so it found no better source. */
  private wasTold(peer: PeerKey, index: ChunkIndex, now: number): boolean {
    const at = this.toldElsewhere.get(peer)?.get(index)
    return at !== undefined && now - at < this.memoryMs
  }

  private remember(peer: PeerKey, index: ChunkIndex, now: number): void {
    let told = this.toldElsewhere.get(peer)
    if (told === undefined) {
      told = new Map()
      this.toldElsewhere.set(peer, told)
    }
    told.set(index, now)
    // Bound the memory: drop entries older than the window once the map grows.
    if (told.size > 4096) for (const [i, at] of told) if (now - at >= this.memoryMs) told.delete(i)
  }
}
