import type { ChunkBytes, ChunkIndex, ChunkRef } from '@imgswarm/core'
import { MAX_CHUNK_SIZE, MAX_CHUNKS_PER_MANIFEST } from '@imgswarm/core'
import { systemClock, type Clock, type TimerHandle } from './clock.js'
import {
  DEFAULT_ANNOUNCE_DELAY_MS,
  DEFAULT_REFILL_FRACTION,
  DEFAULT_BUSY_BACKOFF_MS,
  DEFAULT_CURRENT_RATE_WINDOW_MS,
  DEFAULT_ELSEWHERE_RETRY_MS,
  DEFAULT_ENDGAME_MAX_COPIES,
  DEFAULT_MAX_TIMEOUT_STRIKES,
  DEFAULT_MAX_TOTAL_INFLIGHT,
  DEFAULT_PROGRESS_INTERVAL_MS,
  DEFAULT_RANDOM_FIRST_CHUNKS,
  DEFAULT_RATE_LIMIT_BURST_MS,
  DEFAULT_RETRY_SAME_PEER_MS,
  DEFAULT_SLOWER_PEER_FACTOR,
  DEFAULT_SNUB_MS,
  DEFAULT_TICK_MS,
} from './constants.js'
import { emptyRejectCounts, type DownloadProgress, type DownloadStats, type PeerTransferStats } from './download-stats.js'
import { DownloadStoppedError, SchedulerConfigError } from './errors.js'
import { inflightControllerConfig, type InflightControllerConfig, type InflightControllerInit } from './inflight-controller.js'
import type { PeerHello, PeerKey, RejectReason, SwarmEvents, SwarmNetwork } from './network.js'
import { PEER_CLASSES, PeerClass, PeerState, type OutstandingRequest } from './peer-state.js'
import { type RandomSource } from './random.js'
import { SlidingWindowRate } from './rate-meter.js'
import { RarestFirstPicker } from './rarest-first-picker.js'
import type { ChunkSink, ChunkVerifier } from './storage.js'
import { rateCapBurst, TokenBucket } from './token-bucket.js'

export interface DownloaderInit extends InflightControllerInit {
  /** Length of every chunk of the image, in manifest order (or give `chunks`). */
  chunkLengths?: readonly number[]
  /** The manifest's chunk list (only the lengths are used). */
  chunks?: readonly Pick<ChunkRef, 'length'>[]
  sink: ChunkSink
  verify: ChunkVerifier
  network: SwarmNetwork
  clock?: Clock
  random?: RandomSource
  /** Our site label: peers with the same label are asked first. */
  site?: string
  randomFirstChunks?: number
  slowerPeerFactor?: number
  endgameMaxCopies?: number
  maxTotalInflight?: number
  announceDelayMs?: number
  /** See DEFAULT_REFILL_FRACTION. */
  refillFraction?: number
  tickMs?: number
  progressIntervalMs?: number
  retrySamePeerMs?: number
  elsewhereRetryMs?: number
  busyBackoffMs?: number
  maxTimeoutStrikes?: number
  snubMs?: number
  currentRateWindowMs?: number
  /** Download rate cap in bytes per second (token bucket); none by default. */
  maxDownloadRate?: number
  rateLimitBurstMs?: number
  onProgress?: (progress: DownloadProgress) => void
}

const MISSING = 0
const WRITING = 1
const VERIFIED = 2

type Config = Required<
  Omit<DownloaderInit, keyof InflightControllerInit | 'chunkLengths' | 'chunks' | 'sink' | 'verify' | 'network' | 'site' | 'maxDownloadRate' | 'onProgress'>
>

/**
 * The want side of one image: decides which chunk to ask of which peer, keeps each peer's link
 * full, verifies and stores what arrives, and announces it.
 *
 * - Which chunk: rarest first among chunks nobody was asked for yet (random among equally rare),
 *   random while we hold fewer than a few chunks (so we have something to trade quickly).
 * - Whom: same-site peers, then other peers, then seeds; a better class keeps a chunk to itself
 *   unless it is much slower. The seed is thus asked for chunks no peer has, and its uplink goes
 *   to new chunks for the swarm.
 * - How many: per peer, as many requests as its link needs (`InflightController`).
 * - Failures: a request times out after what the peer's rate says it should take (times a
 *   factor); it is then re-requested elsewhere and the peer's limit halves. A chunk that fails
 *   verification gets its sender banned. A chunk that failed once may be asked of anyone,
 *   seeds included: nothing starves behind a slow or lying holder.
 * - Endgame: once every missing chunk is requested, idle peers duplicate the oldest requests;
 *   the first copy wins and the others are cancelled.
 *
 * Events from the network are handled synchronously and cost O(1) or a short scan; no event
 * scans all chunks, so the same code runs 10,000 simulated nodes.
 */
export class Downloader implements SwarmEvents {
  readonly chunkCount: number
  readonly totalBytes: number
  /** Resolves when every chunk is verified and written; rejects on a fatal error or `stop()`. */
  readonly done: Promise<void>

  private readonly lengths: Int32Array
  private readonly sink: ChunkSink
  private readonly verify: ChunkVerifier
  private readonly network: SwarmNetwork
  private readonly clock: Clock
  private readonly site: string | undefined
  private readonly cfg: Config
  private readonly ctlConfig: InflightControllerConfig
  private readonly onProgress: ((progress: DownloadProgress) => void) | undefined

  private readonly state: Uint8Array
  private readonly requestCount: Uint16Array
  private readonly firstRequestedAt: Float64Array
  private readonly everRequested: Uint8Array
  private readonly failures: Uint8Array
  private readonly sameSiteHolders: Uint16Array
  private readonly picker: RarestFirstPicker
  /** Pickable chunks that failed before: any peer may be asked for them, seeds included. */
  private readonly failedPickable = new Set<ChunkIndex>()
  /** Chunks with at least one request outstanding. */
  private readonly requested = new Set<ChunkIndex>()
  private totalInflight = 0

  private readonly peers = new Map<PeerKey, PeerState>()
  private readonly byClass: PeerState[][] = [[], [], []]
  private classRate: number[] = [Infinity, Infinity, Infinity]
  private readonly banned = new Set<PeerKey>()

  private verifiedCount = 0
  private verifiedBytes = 0
  private readonly resumedCount: number
  private started = false
  private finished = false
  private stopped = false
  private endgame = false
  private tickTimer: TimerHandle | undefined
  private wakeTimer: TimerHandle | undefined
  private announceTimer: TimerHandle | undefined
  private pendingAnnounce: ChunkIndex[] = []
  private lastProgressAt = -Infinity
  private readonly bucket: TokenBucket | undefined
  private readonly nodeRate: SlidingWindowRate
  private resolveDone!: () => void
  private rejectDone!: (err: unknown) => void

  private readonly counters = {
    chunksReceived: 0,
    bytesReceived: 0,
    duplicateChunks: 0,
    duplicateBytes: 0,
    failedVerification: 0,
    requests: 0,
    reRequests: 0,
    endgameRequests: 0,
    cancelledRequests: 0,
    timeouts: 0,
    rejects: emptyRejectCounts(),
    bytesFromSeeds: 0,
    bytesFromPeers: 0,
    bytesFromSameSite: 0,
    bannedPeers: 0,
    protocolErrors: 0,
  }
  private readonly perPeer = new Map<PeerKey, PeerTransferStats>()

  constructor(init: DownloaderInit) {
    const lengths = init.chunkLengths ?? init.chunks?.map((c) => c.length)
    if (lengths === undefined) throw new SchedulerConfigError('Downloader needs chunkLengths or chunks')
    if (lengths.length > MAX_CHUNKS_PER_MANIFEST) {
      throw new SchedulerConfigError(`image has ${lengths.length} chunks, more than the limit of ${MAX_CHUNKS_PER_MANIFEST}`)
    }
    this.chunkCount = lengths.length
    this.lengths = new Int32Array(lengths.length)
    let total = 0
    for (let i = 0; i < lengths.length; i++) {
      const len = lengths[i]
      if (!Number.isInteger(len) || len <= 0 || len > MAX_CHUNK_SIZE) {
        throw new SchedulerConfigError(`chunk ${i} has length ${len}; chunk lengths must be integers in 1..${MAX_CHUNK_SIZE}`)
      }
      this.lengths[i] = len
      total += len
    }
    this.totalBytes = total
    if (init.sink.verified.length !== this.chunkCount) {
      throw new SchedulerConfigError(`sink holds a bitfield of ${init.sink.verified.length} chunks, the image has ${this.chunkCount}`)
    }
    this.sink = init.sink
    this.verify = init.verify
    this.network = init.network
    this.clock = init.clock ?? systemClock
    this.site = init.site
    this.onProgress = init.onProgress
    this.ctlConfig = inflightControllerConfig(init)
    this.cfg = {
      clock: this.clock,
      random: init.random ?? Math.random,
      randomFirstChunks: init.randomFirstChunks ?? DEFAULT_RANDOM_FIRST_CHUNKS,
      slowerPeerFactor: init.slowerPeerFactor ?? DEFAULT_SLOWER_PEER_FACTOR,
      endgameMaxCopies: init.endgameMaxCopies ?? DEFAULT_ENDGAME_MAX_COPIES,
      maxTotalInflight: init.maxTotalInflight ?? DEFAULT_MAX_TOTAL_INFLIGHT,
      announceDelayMs: init.announceDelayMs ?? DEFAULT_ANNOUNCE_DELAY_MS,
      refillFraction: init.refillFraction ?? DEFAULT_REFILL_FRACTION,
      tickMs: init.tickMs ?? DEFAULT_TICK_MS,
      progressIntervalMs: init.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS,
      retrySamePeerMs: init.retrySamePeerMs ?? DEFAULT_RETRY_SAME_PEER_MS,
      elsewhereRetryMs: init.elsewhereRetryMs ?? DEFAULT_ELSEWHERE_RETRY_MS,
      busyBackoffMs: init.busyBackoffMs ?? DEFAULT_BUSY_BACKOFF_MS,
      maxTimeoutStrikes: init.maxTimeoutStrikes ?? DEFAULT_MAX_TIMEOUT_STRIKES,
      snubMs: init.snubMs ?? DEFAULT_SNUB_MS,
      currentRateWindowMs: init.currentRateWindowMs ?? DEFAULT_CURRENT_RATE_WINDOW_MS,
      rateLimitBurstMs: init.rateLimitBurstMs ?? DEFAULT_RATE_LIMIT_BURST_MS,
    }
    if (!(this.cfg.tickMs > 0)) throw new SchedulerConfigError(`tickMs must be positive, got ${this.cfg.tickMs}`)
    if (!(this.cfg.endgameMaxCopies >= 1)) throw new SchedulerConfigError(`endgameMaxCopies must be >= 1, got ${this.cfg.endgameMaxCopies}`)
    if (!(this.cfg.refillFraction >= 0 && this.cfg.refillFraction <= 1)) {
      throw new SchedulerConfigError(`refillFraction must be within [0, 1], got ${this.cfg.refillFraction}`)
    }
    if (!(this.cfg.maxTotalInflight >= 1)) throw new SchedulerConfigError(`maxTotalInflight must be >= 1, got ${this.cfg.maxTotalInflight}`)

    const now = this.clock.now()
    if (init.maxDownloadRate !== undefined) {
      this.bucket = new TokenBucket(init.maxDownloadRate, rateCapBurst(init.maxDownloadRate, this.cfg.rateLimitBurstMs), now)
    }
    this.nodeRate = new SlidingWindowRate(this.cfg.currentRateWindowMs, now)

    const n = this.chunkCount
    this.state = new Uint8Array(n)
    this.requestCount = new Uint16Array(n)
    this.firstRequestedAt = new Float64Array(n)
    this.everRequested = new Uint8Array(n)
    this.failures = new Uint8Array(n)
    this.sameSiteHolders = new Uint16Array(n)
    this.picker = new RarestFirstPicker(n, this.cfg.random)
    let resumed = 0
    for (let i = 0; i < n; i++) {
      if (this.sink.has(i)) {
        this.state[i] = VERIFIED
        resumed++
        this.verifiedBytes += this.lengths[i]
      }
    }
    this.resumedCount = resumed
    this.verifiedCount = resumed
    // Insert the missing chunks in random order so that nodes start from different layouts.
    const missing: ChunkIndex[] = []
    for (let i = 0; i < n; i++) if (this.state[i] === MISSING) missing.push(i)
    for (let k = missing.length - 1; k > 0; k--) {
      const j = Math.floor(this.cfg.random() * (k + 1))
      const t = missing[k]
      missing[k] = missing[j]
      missing[j] = t
    }
    for (const i of missing) this.makePickable(i)

    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve
      this.rejectDone = reject
    })
    // A stopped download nobody awaits must not crash the process with an unhandled rejection.
    this.done.catch(() => {})
  }

  /** Starts requesting; returns `done`. Peers that joined before are used at once. */
  start(): Promise<void> {
    if (this.started || this.stopped) return this.done
    this.started = true
    if (this.verifiedCount === this.chunkCount) {
      this.finish()
      return this.done
    }
    this.refreshClassRates()
    this.scheduleTick()
    this.fillAll()
    return this.done
  }

  /** Stops the download: withdraws outstanding requests, rejects `done` with `DownloadStoppedError`. */
  stop(): void {
    if (this.finished || this.stopped) return
    this.fail(new DownloadStoppedError(`download stopped with ${this.chunkCount - this.verifiedCount} of ${this.chunkCount} chunks missing`))
  }

  get complete(): boolean {
    return this.finished
  }

  get stats(): DownloadStats {
    const now = this.clock.now()
    return {
      chunksTotal: this.chunkCount,
      bytesTotal: this.totalBytes,
      chunksVerified: this.verifiedCount,
      bytesVerified: this.verifiedBytes,
      chunksResumed: this.resumedCount,
      ...this.counters,
      rejects: { ...this.counters.rejects },
      peers: this.peers.size,
      rate: this.nodeRate.rate(now),
      perPeer: new Map([...this.perPeer].map(([k, v]) => [k, { ...v }])),
    }
  }

  /** Requests outstanding at `peer` now, and its current limit (for diagnostics and tests). */
  peerInflight(peer: PeerKey): { inflight: number; limit: number; rate: number | undefined } | undefined {
    const p = this.peers.get(peer)
    if (p === undefined) return undefined
    return { inflight: p.requests.size, limit: p.ctl.limit, rate: p.ctl.rate(this.clock.now()) }
  }

  // ---- SwarmEvents: the download half ---------------------------------------------------------

  peerJoined(peer: PeerKey, hello: PeerHello): void {
    if (this.stopped || this.finished || this.banned.has(peer)) return
    if (hello.haves.length !== this.chunkCount) {
      this.counters.protocolErrors++
      return
    }
    const old = this.peers.get(peer)
    if (old !== undefined) this.dropPeer(old)
    const seed = hello.seed === true
    const sameSite = this.site !== undefined && hello.site === this.site
    const cls = seed ? PeerClass.Seed : sameSite ? PeerClass.SameSite : PeerClass.OtherSite
    const now = this.clock.now()
    const p = new PeerState(peer, hello.haves.clone(), seed, hello.site, cls, this.ctlConfig, now)
    this.peers.set(peer, p)
    this.byClass[cls].push(p)
    if (!seed) for (const i of p.haves.indices()) this.addHolder(p, i)
    if (!this.perPeer.has(peer)) this.perPeer.set(peer, { chunks: 0, bytes: 0, seed, site: hello.site })
    this.refreshClassRates()
    if (this.started) this.fill(p)
  }

  peerHave(peer: PeerKey, indices: readonly ChunkIndex[]): void {
    if (this.stopped || this.finished) return
    const p = this.peers.get(peer)
    if (p === undefined) return
    const now = this.clock.now()
    let candidate = false
    for (const i of indices) {
      if (!this.validIndex(i)) continue
      if (!p.haves.set(i)) continue
      this.addHolder(p, i)
      if (!candidate && p.exhausted && this.picker.has(i) && this.acceptable(p, i, now, p.exhaustedMask)) candidate = true
    }
    if (candidate) p.exhausted = false
    if (this.started && !p.exhausted) this.fill(p)
  }

  peerLeft(peer: PeerKey): void {
    const p = this.peers.get(peer)
    if (p === undefined) return
    this.dropPeer(p)
    if (this.started && !this.stopped && !this.finished) this.fillAll()
  }

  chunkReceived(peer: PeerKey, index: ChunkIndex, bytes: ChunkBytes): void {
    if (this.stopped || this.banned.has(peer)) return
    const p = this.peers.get(peer)
    if (p === undefined || !this.validIndex(index)) {
      this.counters.protocolErrors++
      return
    }
    const now = this.clock.now()
    const req = p.requests.get(index)
    if (req !== undefined) {
      this.endRequest(p, index, req)
      p.ctl.received(now, bytes.byteLength, req.sentAt)
      p.strikes = 0
      p.busyStreak = 0
    }
    if (this.state[index] !== MISSING) {
      this.counters.duplicateChunks++
      this.counters.duplicateBytes += bytes.byteLength
      if (!this.finished) this.fill(p)
      return
    }
    if (bytes.byteLength !== this.lengths[index] || !this.verify(index, bytes)) {
      this.counters.failedVerification++
      // The request already ended above, so the ban's drop would not release this chunk: do it here.
      this.markFailed(index)
      this.released(index, false)
      this.banPeer(p, `chunk ${index} failed verification (${bytes.byteLength} bytes)`)
      return
    }
    this.accept(p, index, bytes, now)
  }

  chunkRejected(peer: PeerKey, index: ChunkIndex, reason: RejectReason): void {
    if (this.stopped || this.finished || this.banned.has(peer)) return
    const p = this.peers.get(peer)
    if (p === undefined || !this.validIndex(index)) return
    const req = p.requests.get(index)
    if (req === undefined) return // already cancelled or answered
    const now = this.clock.now()
    this.counters.rejects[reason] = (this.counters.rejects[reason] ?? 0) + 1
    this.endRequest(p, index, req)
    switch (reason) {
      case 'not-have':
        p.ctl.dropped(now)
        p.avoidFor(index, now + this.cfg.retrySamePeerMs)
        this.markFailed(index)
        if (p.haves.clear(index)) this.removeHolder(p, index)
        break
      case 'busy':
        // The peer's queue is full: it keeps what it accepted of ours, so aim at that. If it took
        // nothing, come back shortly and ask others meanwhile.
        p.ctl.capAt(now, p.requests.size)
        // Back off longer after each 'busy' in a row (a popular peer stays popular for a while),
        // with jitter: requesters refused together must not come back together.
        if (p.requests.size === 0) {
          const backoff = this.cfg.busyBackoffMs * 2 ** Math.min(p.busyStreak, 4) * (0.5 + this.cfg.random())
          p.busyStreak++
          p.backoffUntil = Math.max(p.backoffUntil, now + backoff)
        }
        break
      case 'elsewhere':
        p.ctl.dropped(now)
        p.elsewhere.set(index, now)
        break
      default:
        p.ctl.dropped(now)
        p.leaving = true
        break
    }
    this.released(index)
    this.fill(p)
  }

  chunkRequested(): void {}
  requestCancelled(): void {}

  // ---- receiving ------------------------------------------------------------------------------

  private accept(p: PeerState, index: ChunkIndex, bytes: ChunkBytes, now: number): void {
    this.state[index] = WRITING
    this.picker.remove(index)
    this.failedPickable.delete(index)
    for (const q of this.peers.values()) if (q.elsewhere.size > 0) q.elsewhere.delete(index)
    const len = bytes.byteLength
    this.counters.chunksReceived++
    this.counters.bytesReceived += len
    if (p.seed) this.counters.bytesFromSeeds += len
    else this.counters.bytesFromPeers += len
    if (p.cls === PeerClass.SameSite) this.counters.bytesFromSameSite += len
    const ps = this.perPeer.get(p.key)
    if (ps !== undefined) {
      ps.chunks++
      ps.bytes += len
    }
    this.nodeRate.add(now, len)
    // First copy wins: withdraw the duplicates (endgame, or a re-request after a timeout).
    const freed: PeerState[] = []
    if (this.requestCount[index] > 0) {
      for (const q of this.peers.values()) {
        const r = q.requests.get(index)
        if (r === undefined) continue
        this.endRequest(q, index, r)
        q.ctl.dropped(now)
        this.network.cancel(q.key, [index])
        this.counters.cancelledRequests++
        freed.push(q)
      }
    }
    let result: Promise<void> | void
    try {
      result = this.sink.write(index, bytes)
    } catch (err) {
      this.fail(err)
      return
    }
    if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
      ;(result as Promise<void>).then(
        () => this.written(index),
        (err: unknown) => this.fail(err),
      )
    } else {
      this.written(index)
    }
    if (this.stopped || this.finished) return
    this.fill(p)
    for (const q of freed) this.fill(q)
  }

  private written(index: ChunkIndex): void {
    if (this.stopped) return
    this.state[index] = VERIFIED
    this.verifiedCount++
    this.verifiedBytes += this.lengths[index]
    this.announce(index)
    if (this.verifiedCount === this.chunkCount) this.finish()
  }

  private announce(index: ChunkIndex): void {
    if (this.cfg.announceDelayMs <= 0) {
      this.network.announce([index])
      return
    }
    this.pendingAnnounce.push(index)
    if (this.announceTimer === undefined) {
      this.announceTimer = this.clock.setTimeout(() => this.flushAnnounce(), this.cfg.announceDelayMs)
    }
  }

  private flushAnnounce(): void {
    if (this.announceTimer !== undefined) this.clock.clearTimeout(this.announceTimer)
    this.announceTimer = undefined
    if (this.pendingAnnounce.length === 0) return
    const batch = this.pendingAnnounce
    this.pendingAnnounce = []
    this.network.announce(batch)
  }

  private banPeer(p: PeerState, reason: string): void {
    this.banned.add(p.key)
    this.counters.bannedPeers++
    this.dropPeer(p)
    this.network.ban(p.key, reason)
    if (this.started && !this.stopped && !this.finished) this.fillAll()
  }

  // ---- peers and availability -----------------------------------------------------------------

  private addHolder(p: PeerState, i: ChunkIndex): void {
    // Seeds hold everything: they do not make a chunk less rare for the swarm, and are not counted.
    if (p.seed) return
    this.picker.increment(i)
    if (p.cls === PeerClass.SameSite) this.sameSiteHolders[i]++
  }

  private removeHolder(p: PeerState, i: ChunkIndex): void {
    if (p.seed) return
    this.picker.decrement(i)
    if (p.cls === PeerClass.SameSite) this.sameSiteHolders[i]--
  }

  /** Removes a peer (left, banned, replaced): its requests go back to the pickable set. */
  private dropPeer(p: PeerState): void {
    if (this.peers.get(p.key) !== p) return
    const now = this.clock.now()
    for (const [i, req] of [...p.requests]) {
      this.endRequest(p, i, req)
      p.ctl.dropped(now)
      this.released(i, false)
    }
    if (!p.seed) for (const i of p.haves.indices()) this.removeHolder(p, i)
    this.peers.delete(p.key)
    const list = this.byClass[p.cls]
    list.splice(list.indexOf(p), 1)
    // Availability fell: chunks may have become eligible for peers that had nothing to do.
    for (const q of this.peers.values()) q.exhausted = false
    this.refreshClassRates()
  }

  // ---- requests -------------------------------------------------------------------------------

  private makePickable(i: ChunkIndex): void {
    if (this.picker.has(i)) return
    this.picker.add(i)
    if (this.failures[i] > 0) this.failedPickable.add(i)
  }

  private unpick(i: ChunkIndex): void {
    if (!this.picker.has(i)) return
    this.picker.remove(i)
    this.failedPickable.delete(i)
  }

  private markFailed(i: ChunkIndex): void {
    if (this.failures[i] < 255) this.failures[i]++
    if (this.picker.has(i)) this.failedPickable.add(i)
  }

  /** Bookkeeping for a request that ended (answered, rejected, timed out, cancelled, dropped). */
  private endRequest(p: PeerState, i: ChunkIndex, req: OutstandingRequest): void {
    p.requests.delete(i)
    p.aheadBytes -= req.bytes
    this.totalInflight--
    this.requestCount[i]--
    if (this.requestCount[i] === 0) this.requested.delete(i)
  }

  /**
   * A request for `i` ended without the chunk: if no other request is outstanding it becomes
   * pickable again, and peers that had run out of work and hold it are told.
   */
  private released(i: ChunkIndex, notify = true): void {
    if (this.state[i] !== MISSING || this.requestCount[i] > 0) return
    this.makePickable(i)
    if (!notify || !this.started) return
    for (const cls of PEER_CLASSES) {
      for (const q of this.byClass[cls]) {
        if (q.exhausted && q.haves.has(i)) {
          q.exhausted = false
          this.fill(q)
        }
      }
    }
  }

  /**
   * Fills every peer, better classes first. Within a class: in endgame the quickest responders
   * first (they get the duplicates); otherwise from a random start, so that nodes which met
   * their peers in the same order do not all favour the same ones.
   */
  private fillAll(): void {
    if (!this.started || this.stopped || this.finished) return
    this.updateEndgame()
    for (const cls of PEER_CLASSES) {
      const list = this.byClass[cls]
      if (list.length === 0) continue
      if (this.endgame) {
        const order = [...list].sort((a, b) => (a.ctl.smoothedRtt ?? Infinity) - (b.ctl.smoothedRtt ?? Infinity))
        for (const p of order) this.fill(p)
        continue
      }
      const start = Math.floor(this.cfg.random() * list.length)
      for (let k = 0; k < list.length; k++) this.fill(list[(start + k) % list.length])
    }
  }

  /** Tops up the requests outstanding at `p` to its limit. */
  private fill(p: PeerState): void {
    if (!this.started || this.stopped || this.finished || p.leaving) return
    if (this.peers.get(p.key) !== p) return
    const now = this.clock.now()
    if (p.backoffUntil > now) return
    if (p.requests.size > 0 && p.free < Math.max(1, Math.floor(p.ctl.limit * this.cfg.refillFraction))) return
    let free = Math.min(p.free, this.cfg.maxTotalInflight - this.totalInflight)
    if (p.strikes >= this.cfg.maxTimeoutStrikes) free = Math.min(free, 1 - p.requests.size)
    if (free <= 0) return
    this.updateEndgame()
    if (p.exhausted && !this.endgame) return
    const mask = this.blockingMask(p, now)
    let picks: ChunkIndex[]
    if (this.endgame) {
      picks = this.pickNormal(p, free, mask, now)
      if (picks.length < free) picks = picks.concat(this.pickEndgame(p, free - picks.length, now))
    } else {
      picks = this.pickNormal(p, free, mask, now)
      if (picks.length === 0 && mask !== 0 && p.requests.size === 0 && p.ctl.deliveries === 0 && p.ctl.rate(now) === undefined) {
        // Probe: one request ignoring preference, so we learn this peer's rate at all.
        picks = this.picker.pick(1, (i) => p.haves.has(i) && !p.avoids(i, now), { minAvailability: p.seed ? 0 : 1 })
      }
      if (picks.length < free) {
        p.exhausted = true
        p.exhaustedMask = mask
      }
    }
    if (picks.length > 0) this.send(p, picks, now)
  }

  private pickNormal(p: PeerState, max: number, mask: number, now: number): ChunkIndex[] {
    if (this.picker.size === 0) return []
    // Random until we hold a few chunks (received this session or resumed).
    const random = this.resumedCount + this.counters.chunksReceived < this.cfg.randomFirstChunks
    const accept = (i: ChunkIndex): boolean => this.acceptable(p, i, now, mask) && (!p.elsewhere.has(i) || this.failures[i] > 0)
    // A seed whose preference class is blocked gets only chunks no peer holds (bucket 0), plus
    // chunks that failed elsewhere; a peer that is not a seed only holds chunks at least one
    // peer (itself) holds.
    const seedOnly = p.cls === PeerClass.Seed && this.blocksAllPeers(mask)
    const range = seedOnly ? { maxAvailability: 0, random } : { minAvailability: p.seed ? 0 : 1, random }
    const picks = this.picker.pick(max, accept, range)
    if (seedOnly && picks.length < max) {
      for (const i of this.failedPickable) {
        if (picks.length >= max) break
        if (this.picker.availability(i) > 0 && p.haves.has(i) && !p.avoids(i, now)) picks.push(i)
      }
    }
    if (picks.length < max && p.elsewhere.size > 0) {
      // Nothing else to ask of this seed: ask again for what it sent elsewhere a while ago (a
      // second ask is served: our neighbours may never get the chunk, or not soon).
      const retryBefore = now - this.cfg.elsewhereRetryMs
      for (const [i, at] of p.elsewhere) {
        if (picks.length >= max) break
        if (at <= retryBefore && this.picker.has(i) && this.acceptable(p, i, now, mask) && !picks.includes(i)) picks.push(i)
      }
    }
    return picks
  }

  /** Endgame: duplicate requests outstanding elsewhere, fewest copies and oldest first. */
  private pickEndgame(p: PeerState, max: number, now: number): ChunkIndex[] {
    const candidates: ChunkIndex[] = []
    for (const i of this.requested) {
      if (this.state[i] !== MISSING || this.requestCount[i] >= this.cfg.endgameMaxCopies) continue
      if (!p.haves.has(i) || p.requests.has(i) || p.avoids(i, now)) continue
      // Spare the seed: it duplicates only chunks no peer can give us.
      if (p.seed && this.picker.availability(i) > 0) continue
      candidates.push(i)
    }
    if (candidates.length > max) {
      candidates.sort((a, b) => this.requestCount[a] - this.requestCount[b] || this.firstRequestedAt[a] - this.firstRequestedAt[b])
      candidates.length = max
    }
    return candidates
  }

  private acceptable(p: PeerState, i: ChunkIndex, now: number, mask: number): boolean {
    if (!p.haves.has(i) || p.avoids(i, now)) return false
    if (mask === 0 || this.failures[i] > 0) return true
    if ((mask & 1) !== 0 && this.sameSiteHolders[i] > 0) return false
    if ((mask & 2) !== 0 && this.picker.availability(i) - this.sameSiteHolders[i] > 0) return false
    return true
  }

  /** With this mask, may `p` take only chunks no peer (non-seed) holds? */
  private blocksAllPeers(mask: number): boolean {
    return ((mask & 1) !== 0 || this.byClass[PeerClass.SameSite].length === 0) && ((mask & 2) !== 0 || this.byClass[PeerClass.OtherSite].length === 0)
  }

  /**
   * Bit c set: peers of the better class c keep their chunks from `p` (they exist and are not
   * much slower than `p`). A class with a peer of unknown rate counts as fast; a peer of unknown
   * rate counts as slow: preference holds until measurements say otherwise.
   */
  private blockingMask(p: PeerState, now: number): number {
    let mask = 0
    const rate = p.cls === PeerClass.SameSite ? undefined : p.ctl.rate(now)
    for (let c = 0; c < p.cls; c++) {
      if (this.byClass[c].length === 0) continue
      if (rate !== undefined && this.classRate[c] * this.cfg.slowerPeerFactor < rate) continue
      mask |= 1 << c
    }
    return mask
  }

  private refreshClassRates(): void {
    const now = this.clock.now()
    this.classRate = PEER_CLASSES.map((c) => {
      let sum = 0
      for (const p of this.byClass[c]) {
        const r = p.ctl.rate(now)
        if (r === undefined) return Infinity
        sum += r
      }
      return sum
    })
  }

  private send(p: PeerState, picks: ChunkIndex[], now: number): void {
    const sent: ChunkIndex[] = []
    for (const i of picks) {
      if (this.bucket !== undefined) {
        const wait = this.bucket.take(this.lengths[i], now)
        if (wait > 0) {
          // Held back by the rate cap, not by a lack of candidates: try again when tokens come.
          p.exhausted = false
          this.wakeAfter(wait)
          break
        }
      }
      this.unpick(i)
      if (this.everRequested[i] === 1) {
        if (this.requestCount[i] === 0) this.counters.reRequests++
      } else {
        this.everRequested[i] = 1
        this.firstRequestedAt[i] = now
      }
      if (this.requestCount[i] > 0) this.counters.endgameRequests++
      this.requestCount[i]++
      this.requested.add(i)
      this.totalInflight++
      const bytes = this.lengths[i]
      const deadline = now + p.ctl.timeoutMs(now, p.aheadBytes, bytes)
      p.requests.set(i, { sentAt: now, deadline, bytes, endgame: this.requestCount[i] > 1 })
      p.aheadBytes += bytes
      sent.push(i)
    }
    if (sent.length === 0) return
    p.ctl.sent(now, sent.length)
    this.counters.requests += sent.length
    this.network.request(p.key, sent)
  }

  private updateEndgame(): void {
    // Endgame once every missing chunk is requested. Not while some are held by no peer we know:
    // then we wait for the swarm anyway, and duplicating would only take uplink from others.
    const endgame = this.picker.size === 0 && this.requested.size > 0
    if (endgame && !this.endgame) {
      this.endgame = true
      for (const q of this.peers.values()) q.exhausted = false
    } else if (!endgame && this.endgame) {
      this.endgame = false
    }
  }

  // ---- time -----------------------------------------------------------------------------------

  private scheduleTick(): void {
    this.tickTimer = this.clock.setTimeout(() => this.tick(), this.cfg.tickMs)
  }

  private tick(): void {
    this.tickTimer = undefined
    if (this.stopped || this.finished) return
    const now = this.clock.now()
    for (const p of [...this.peers.values()]) {
      if (p.requests.size > 0) this.expireRequests(p, now)
    }
    this.refreshClassRates()
    for (const p of this.peers.values()) {
      if (p.expireAvoids(now) || p.elsewhere.size > 0) p.exhausted = false
      else if (p.exhausted && this.blockingMask(p, now) !== p.exhaustedMask) p.exhausted = false
    }
    this.fillAll()
    if (this.onProgress !== undefined && now - this.lastProgressAt >= this.cfg.progressIntervalMs) {
      this.lastProgressAt = now
      this.onProgress(this.progress(false))
    }
    if (!this.stopped && !this.finished) this.scheduleTick()
  }

  private expireRequests(p: PeerState, now: number): void {
    let expired: ChunkIndex[] | undefined
    for (const [i, req] of p.requests) {
      if (req.deadline <= now) (expired ??= []).push(i)
    }
    if (expired === undefined) return
    for (const i of expired) {
      const req = p.requests.get(i)
      if (req === undefined) continue
      this.endRequest(p, i, req)
      p.ctl.penalise(now)
      p.strikes++
      this.counters.timeouts++
      this.counters.cancelledRequests++
      p.avoidFor(i, now + this.cfg.retrySamePeerMs)
      this.markFailed(i)
    }
    if (p.strikes >= this.cfg.maxTimeoutStrikes) p.backoffUntil = Math.max(p.backoffUntil, now + this.cfg.snubMs)
    this.network.cancel(p.key, expired)
    for (const i of expired) this.released(i)
  }

  private wakeAfter(ms: number): void {
    if (this.wakeTimer !== undefined) return
    this.wakeTimer = this.clock.setTimeout(() => {
      this.wakeTimer = undefined
      this.fillAll()
    }, ms)
  }

  // ---- ending ---------------------------------------------------------------------------------

  private finish(): void {
    if (this.finished) return
    this.finished = true
    this.flushAnnounce()
    this.withdrawAll()
    this.clearTimers()
    this.onProgress?.(this.progress(true))
    this.resolveDone()
  }

  private fail(err: unknown): void {
    if (this.stopped || this.finished) return
    this.stopped = true
    this.flushAnnounce()
    this.withdrawAll()
    this.clearTimers()
    this.rejectDone(err)
  }

  private withdrawAll(): void {
    const now = this.clock.now()
    for (const p of this.peers.values()) {
      if (p.requests.size === 0) continue
      const indices = [...p.requests.keys()]
      for (const i of indices) {
        const req = p.requests.get(i)
        if (req !== undefined) this.endRequest(p, i, req)
      }
      p.ctl.dropped(now, indices.length)
      this.counters.cancelledRequests += indices.length
      this.network.cancel(p.key, indices)
    }
  }

  private clearTimers(): void {
    for (const t of [this.tickTimer, this.wakeTimer, this.announceTimer]) if (t !== undefined) this.clock.clearTimeout(t)
    this.tickTimer = this.wakeTimer = this.announceTimer = undefined
  }

  private progress(done: boolean): DownloadProgress {
    return {
      chunksVerified: this.verifiedCount,
      chunksTotal: this.chunkCount,
      bytesVerified: this.verifiedBytes,
      bytesTotal: this.totalBytes,
      rate: this.nodeRate.rate(this.clock.now()),
      peers: this.peers.size,
      bytesFromSeeds: this.counters.bytesFromSeeds,
      bytesFromPeers: this.counters.bytesFromPeers,
      done,
    }
  }

  private validIndex(i: ChunkIndex): boolean {
    if (Number.isInteger(i) && i >= 0 && i < this.chunkCount) return true
    this.counters.protocolErrors++
    return false
  }
}
