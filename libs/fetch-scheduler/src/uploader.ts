import type { ChunkIndex } from '@imgswarm/core'
import { systemClock, type Clock } from './clock.js'
import { BusyRate } from './busy-rate.js'
import {
  DEFAULT_INITIAL_QUEUE_LIMIT,
  DEFAULT_MAX_QUEUE_DELAY_MS,
  DEFAULT_MAX_QUEUED_PER_PEER,
  DEFAULT_RATE_LIMIT_BURST_MS,
  DEFAULT_RATE_WINDOW_MS,
  DEFAULT_UPLOAD_SLOTS,
} from './constants.js'
import { DefaultServePolicy } from './default-serve-policy.js'
import { SchedulerConfigError } from './errors.js'
import type { PeerHello, PeerKey, RejectReason, SwarmEvents, SwarmNetwork } from './network.js'
import type { ServeContext, ServePolicy } from './serve-policy.js'
import { ServeQueue, type ServeCandidate } from './serve-queue.js'
import type { ChunkSource } from './storage.js'
import { rateCapBurst, TokenBucket } from './token-bucket.js'

/** A full queue admits a peer that got less than this fraction of what the most-served waiting peer got. */
const FAIR_SHARE_MARGIN = 0.75

export interface UploaderInit {
  source: ChunkSource
  network: SwarmNetwork
  clock?: Clock
  /** How requests are admitted and ordered (default: `DefaultServePolicy`; seeds: `SeedServePolicy`). */
  policy?: ServePolicy
  uploadSlots?: number
  maxQueuedPerPeer?: number
  maxQueueDelayMs?: number
  initialQueueLimit?: number
  rateWindowMs?: number
  /** Upload rate cap in bytes per second (token bucket); none by default. */
  maxUploadRate?: number
  rateLimitBurstMs?: number
  /** Reading a chunk failed (the request is answered 'not-have'); the uploader carries on. */
  onError?: (err: unknown, index: ChunkIndex) => void
}

/** What one peer got from us. */
export interface PeerUploadStats {
  chunks: number
  bytes: number
}

export interface UploadStats {
  chunksUploaded: number
  bytesUploaded: number
  rejects: Record<RejectReason, number>
  /** Queued requests the peer withdrew before we sent them. */
  cancelled: number
  /** Sends the network refused (peer gone) and reads that failed. */
  sendErrors: number
  readErrors: number
  /** Now, and the most seen at once. */
  active: number
  queued: number
  maxActive: number
  maxQueuedPerPeer: number
  perPeer: Map<PeerKey, PeerUploadStats>
}

/**
 * The serve side of one image: answers peers' requests from a `ChunkSource` through
 * `network.sendChunk`. At most `uploadSlots` chunks are in hand at once, going to different
 * peers; sends to one peer go one after another (one connection gains nothing from parallel
 * sends), with the next chunk read ahead while the current one is on the wire when no other
 * peer is waiting. Admitted requests wait in a queue bounded per peer and in total (excess:
 * 'busy'); chunks we do not hold get 'not-have'; cancels remove waiting requests. The policy
 * picks the order (weighted fair by default, rarest-first on a seed).
 */
export class Uploader implements SwarmEvents {
  private readonly source: ChunkSource
  private readonly network: SwarmNetwork
  private readonly clock: Clock
  private readonly policy: ServePolicy
  private readonly slots: number
  private readonly maxQueued: number
  private readonly maxQueueDelayMs: number
  private readonly initialQueueLimit: number
  private readonly sendRate: BusyRate
  private readonly rateWindowMs: number
  /** peer → the end of its chain of sends (each send waits for the one before). */
  private readonly wire = new Map<PeerKey, Promise<void>>()
  /** Bytes sent to each peer lately (decayed), for fair admission. */
  private readonly served = new Map<PeerKey, { bytes: number; at: number }>()
  private readonly onError: ((err: unknown, index: ChunkIndex) => void) | undefined
  private readonly bucket: TokenBucket | undefined
  private readonly queue = new ServeQueue()
  /** peer → chunks being sent to it now. */
  private readonly sending = new Map<PeerKey, Set<ChunkIndex>>()
  private active = 0
  private stopped = false
  private readonly perPeer = new Map<PeerKey, PeerUploadStats>()
  private readonly counters = {
    chunksUploaded: 0,
    bytesUploaded: 0,
    rejects: { 'not-have': 0, busy: 0, elsewhere: 0, 'shutting-down': 0 } as Record<RejectReason, number>,
    cancelled: 0,
    sendErrors: 0,
    readErrors: 0,
    maxActive: 0,
    maxQueuedPerPeer: 0,
  }

  constructor(init: UploaderInit) {
    this.source = init.source
    this.network = init.network
    this.clock = init.clock ?? systemClock
    this.policy = init.policy ?? new DefaultServePolicy()
    this.slots = init.uploadSlots ?? DEFAULT_UPLOAD_SLOTS
    this.maxQueued = init.maxQueuedPerPeer ?? DEFAULT_MAX_QUEUED_PER_PEER
    this.onError = init.onError
    this.maxQueueDelayMs = init.maxQueueDelayMs ?? DEFAULT_MAX_QUEUE_DELAY_MS
    this.initialQueueLimit = init.initialQueueLimit ?? DEFAULT_INITIAL_QUEUE_LIMIT
    this.rateWindowMs = init.rateWindowMs ?? DEFAULT_RATE_WINDOW_MS
    this.sendRate = new BusyRate(this.rateWindowMs, this.clock.now())
    if (!Number.isInteger(this.slots) || this.slots < 1) throw new SchedulerConfigError(`uploadSlots must be an integer >= 1, got ${this.slots}`)
    if (!Number.isInteger(this.maxQueued) || this.maxQueued < 0) {
      throw new SchedulerConfigError(`maxQueuedPerPeer must be an integer >= 0, got ${this.maxQueued}`)
    }
    if (init.maxUploadRate !== undefined) {
      const burstMs = init.rateLimitBurstMs ?? DEFAULT_RATE_LIMIT_BURST_MS
      this.bucket = new TokenBucket(init.maxUploadRate, rateCapBurst(init.maxUploadRate, burstMs), this.clock.now())
    }
  }

  get policyName(): string {
    return this.policy.name
  }

  get stats(): UploadStats {
    return {
      ...this.counters,
      rejects: { ...this.counters.rejects },
      active: this.active,
      queued: this.queue.size,
      perPeer: new Map([...this.perPeer].map(([k, v]) => [k, { ...v }])),
    }
  }

  /** Declines everything queued with 'shutting-down' and refuses new requests. */
  stop(): void {
    if (this.stopped) return
    this.stopped = true
    for (const c of [...this.queue.entries()]) {
      this.queue.remove(c.peer, c.index)
      this.decline(c.peer, c.index, 'shutting-down')
    }
  }

  // ---- SwarmEvents: the serve half ------------------------------------------------------------

  peerJoined(peer: PeerKey, hello: PeerHello): void {
    this.policy.peerJoined(peer, hello.haves)
  }

  peerHave(peer: PeerKey, indices: readonly ChunkIndex[]): void {
    this.policy.peerHave(peer, indices)
  }

  peerLeft(peer: PeerKey): void {
    this.queue.dropPeer(peer)
    this.served.delete(peer)
    this.policy.peerLeft(peer)
  }

  chunkRequested(peer: PeerKey, indices: readonly ChunkIndex[]): void {
    // One at a time: a free slot takes a request at once, so only waiting ones count as queued.
    for (const index of indices) {
      this.admit(peer, index)
      this.pump()
    }
  }

  requestCancelled(peer: PeerKey, indices: readonly ChunkIndex[]): void {
    for (const index of indices) if (this.queue.remove(peer, index)) this.counters.cancelled++
  }

  chunkReceived(): void {}
  chunkRejected(): void {}

  // ---- serving --------------------------------------------------------------------------------

  private admit(peer: PeerKey, index: ChunkIndex): void {
    if (this.stopped) return this.decline(peer, index, 'shutting-down')
    if (!Number.isInteger(index) || !this.source.has(index)) return this.decline(peer, index, 'not-have')
    // A repeated request for a chunk already queued or being sent to this peer changes nothing.
    if (this.queue.has(peer, index) || this.sending.get(peer)?.has(index) === true) return
    if (this.queue.sizeOf(peer) >= this.maxQueued) return this.decline(peer, index, 'busy')
    if (!this.hasRoomFor(peer)) return this.decline(peer, index, 'busy')
    const reason = this.policy.admit(peer, index, this.context())
    if (reason !== undefined) return this.decline(peer, index, reason)
    this.queue.push(peer, index)
    this.counters.maxQueuedPerPeer = Math.max(this.counters.maxQueuedPerPeer, this.queue.sizeOf(peer))
  }

  private pump(): void {
    while (!this.stopped && this.active < this.slots && this.queue.size > 0) {
      const ctx = this.context()
      for (const c of this.policy.revoke(ctx)) {
        if (this.queue.remove(c.peer, c.index)) this.decline(c.peer, c.index, 'elsewhere')
      }
      // Peers with no send under way first; failing that, read ahead for one that has one (the
      // chunk goes on the wire the moment the previous one is out: no gap for the disk read).
      const next = this.policy.next(ctx) ?? this.policy.next({ ...ctx, canSendTo: (peer) => this.sendsTo(peer) < 2 })
      if (next === undefined) return
      this.queue.take(next)
      void this.serve(next)
    }
  }

  /**
   * Room for one more request of `peer`. The queue stays under its limit (what our uplink sends
   * in `maxQueueDelayMs`), so a waiting request is served soon or refused at once ('busy') and
   * taken elsewhere, never stuck for seconds behind a crowd. When it is full, the spot goes to
   * whoever we served least lately: if `peer` got clearly less from us than the most-served
   * peer with a request waiting, that peer's newest request is refused ('busy') to make room.
   * Requesters retry, so over a few seconds each gets an equal share of our uplink, whatever
   * the timing of their retries.
   */
  private hasRoomFor(peer: PeerKey): boolean {
    if (this.queue.size < this.queueLimit()) return true
    const now = this.clock.now()
    const mine = this.servedLately(peer, now)
    let richest: PeerKey | undefined
    let most = -1
    for (const other of this.queue.peers()) {
      const served = this.servedLately(other, now)
      if (other !== peer && served > most) {
        most = served
        richest = other
      }
    }
    if (richest === undefined || mine >= most * FAIR_SHARE_MARGIN) return false
    const evicted = this.queue.popNewest(richest)
    if (evicted !== undefined) this.decline(richest, evicted, 'busy')
    return true
  }

  /** Bytes we sent `peer`, decayed over the rate window. */
  private servedLately(peer: PeerKey, now: number): number {
    const s = this.served.get(peer)
    if (s === undefined) return 0
    return s.bytes * Math.exp(-(now - s.at) / this.rateWindowMs)
  }

  private recordServed(peer: PeerKey, bytes: number): void {
    const now = this.clock.now()
    this.served.set(peer, { bytes: this.servedLately(peer, now) + bytes, at: now })
  }

  /** Requests that may wait, all peers together: our uplink's worth of `maxQueueDelayMs`. */
  queueLimit(): number {
    const rate = this.sendRate.rate(this.clock.now())
    if (rate === undefined || this.counters.chunksUploaded === 0) return Math.max(this.slots, this.initialQueueLimit)
    const avgChunk = this.counters.bytesUploaded / this.counters.chunksUploaded
    return Math.max(this.slots, Math.floor((rate * this.maxQueueDelayMs) / 1000 / avgChunk))
  }

  private async serve(c: ServeCandidate): Promise<void> {
    this.active++
    this.sendRate.setActive(this.clock.now(), this.active)
    this.counters.maxActive = Math.max(this.counters.maxActive, this.active)
    let set = this.sending.get(c.peer)
    if (set === undefined) {
      set = new Set()
      this.sending.set(c.peer, set)
    }
    set.add(c.index)
    try {
      let bytes: Uint8Array
      try {
        const r = this.source.read(c.index)
        bytes = r instanceof Uint8Array ? r : await r
      } catch (err) {
        this.counters.readErrors++
        this.onError?.(err, c.index)
        this.decline(c.peer, c.index, 'not-have')
        return
      }
      // The rate cap holds the slot until the bucket has the chunk's bytes.
      if (this.bucket !== undefined) await this.throttle(bytes.byteLength)
      if (this.stopped) {
        this.decline(c.peer, c.index, 'shutting-down')
        return
      }
      this.policy.sent(c.peer, c.index)
      // Sends to one peer go one after another, in the order they were taken.
      const previous = this.wire.get(c.peer)
      let release!: () => void
      const turn = new Promise<void>((resolve) => (release = resolve))
      this.wire.set(c.peer, turn)
      try {
        if (previous !== undefined) await previous
        await this.network.sendChunk(c.peer, c.index, bytes)
        this.sendRate.add(this.clock.now(), bytes.byteLength)
        this.recordServed(c.peer, bytes.byteLength)
        this.counters.chunksUploaded++
        this.counters.bytesUploaded += bytes.byteLength
        let ps = this.perPeer.get(c.peer)
        if (ps === undefined) {
          ps = { chunks: 0, bytes: 0 }
          this.perPeer.set(c.peer, ps)
        }
        ps.chunks++
        ps.bytes += bytes.byteLength
      } catch {
        this.counters.sendErrors++ // the peer went away; its session end cleans up
      } finally {
        release()
        if (this.wire.get(c.peer) === turn) this.wire.delete(c.peer)
      }
    } finally {
      this.active--
      this.sendRate.setActive(this.clock.now(), this.active)
      set.delete(c.index)
      if (set.size === 0) this.sending.delete(c.peer)
      this.pump()
    }
  }

  private decline(peer: PeerKey, index: ChunkIndex, reason: RejectReason): void {
    this.counters.rejects[reason]++
    this.network.reject(peer, index, reason)
  }

  /** Chunks being read or sent to `peer` now. */
  private sendsTo(peer: PeerKey): number {
    return this.sending.get(peer)?.size ?? 0
  }

  private context(): ServeContext {
    const now = this.clock.now()
    return {
      now,
      active: this.active,
      slots: this.slots,
      queue: this.queue,
      servedLately: (peer) => this.servedLately(peer, now),
      canSendTo: (peer) => this.sendsTo(peer) === 0,
    }
  }

  private async throttle(bytes: number): Promise<void> {
    const bucket = this.bucket as TokenBucket
    for (;;) {
      const wait = bucket.take(bytes, this.clock.now())
      if (wait === 0 || this.stopped) return
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, wait))
    }
  }
}
