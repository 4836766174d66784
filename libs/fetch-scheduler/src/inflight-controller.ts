import {
  DEFAULT_INFLIGHT_ALPHA,
  DEFAULT_INFLIGHT_BETA,
  DEFAULT_INITIAL_INFLIGHT,
  DEFAULT_INITIAL_REQUEST_TIMEOUT_MS,
  DEFAULT_MAX_INFLIGHT,
  DEFAULT_MAX_REQUEST_TIMEOUT_MS,
  DEFAULT_MIN_INFLIGHT,
  DEFAULT_MIN_REQUEST_TIMEOUT_MS,
  DEFAULT_RATE_WINDOW_MS,
  DEFAULT_REQUEST_TIMEOUT_FACTOR,
} from './constants.js'
import { BusyRate } from './busy-rate.js'
import { SchedulerConfigError } from './errors.js'

export interface InflightControllerInit {
  minInflight?: number
  maxInflight?: number
  initialInflight?: number
  alpha?: number
  beta?: number
  rateWindowMs?: number
  timeoutFactor?: number
  minRequestTimeoutMs?: number
  initialRequestTimeoutMs?: number
  maxRequestTimeoutMs?: number
}

/** `InflightControllerInit` with every default applied (shared by all peers of a downloader). */
export type InflightControllerConfig = Required<InflightControllerInit>

export function inflightControllerConfig(init: InflightControllerInit = {}): InflightControllerConfig {
  const c: InflightControllerConfig = {
    minInflight: init.minInflight ?? DEFAULT_MIN_INFLIGHT,
    maxInflight: init.maxInflight ?? DEFAULT_MAX_INFLIGHT,
    initialInflight: init.initialInflight ?? DEFAULT_INITIAL_INFLIGHT,
    alpha: init.alpha ?? DEFAULT_INFLIGHT_ALPHA,
    beta: init.beta ?? DEFAULT_INFLIGHT_BETA,
    rateWindowMs: init.rateWindowMs ?? DEFAULT_RATE_WINDOW_MS,
    timeoutFactor: init.timeoutFactor ?? DEFAULT_REQUEST_TIMEOUT_FACTOR,
    minRequestTimeoutMs: init.minRequestTimeoutMs ?? DEFAULT_MIN_REQUEST_TIMEOUT_MS,
    initialRequestTimeoutMs: init.initialRequestTimeoutMs ?? DEFAULT_INITIAL_REQUEST_TIMEOUT_MS,
    maxRequestTimeoutMs: init.maxRequestTimeoutMs ?? DEFAULT_MAX_REQUEST_TIMEOUT_MS,
  }
  if (!Number.isInteger(c.minInflight) || c.minInflight < 1) {
    throw new SchedulerConfigError(`minInflight must be an integer >= 1, got ${c.minInflight}`)
  }
  if (!Number.isInteger(c.maxInflight) || c.maxInflight < c.minInflight) {
    throw new SchedulerConfigError(`maxInflight must be an integer >= minInflight (${c.minInflight}), got ${c.maxInflight}`)
  }
  if (!(c.alpha >= 0 && c.beta > c.alpha)) {
    throw new SchedulerConfigError(`need 0 <= alpha < beta, got alpha ${c.alpha}, beta ${c.beta}`)
  }
  for (const key of ['rateWindowMs', 'timeoutFactor', 'minRequestTimeoutMs', 'initialRequestTimeoutMs', 'maxRequestTimeoutMs'] as const) {
    if (!(c[key] > 0) || !Number.isFinite(c[key])) throw new SchedulerConfigError(`${key} must be a positive number, got ${c[key]}`)
  }
  c.initialInflight = Math.min(c.maxInflight, Math.max(c.minInflight, Math.round(c.initialInflight)))
  return c
}

/**
 * How many requests to keep outstanding at one peer, and how long to wait for each.
 *
 * The limit follows TCP Vegas, with chunk requests as the window: each delivered chunk gives a
 * request latency sample; the smallest recent one is the unloaded latency (round trip plus one
 * chunk's transfer). With W requests outstanding, `W × (1 − base/sample)` estimates how many of
 * them only wait in the peer's queue. Fewer than `alpha` waiting means the peer's link to us idles
 * between chunks: grow; more than `beta` means more requests only add delay and tie chunks to
 * this peer: shrink. A fast peer far away (large bandwidth-delay product) thus ends up with many
 * requests, a slow or busy one with few. Slow start (+1 per chunk) gets there in a few round
 * trips; a timeout or a 'busy' halves the limit (multiplicative decrease).
 *
 * The delivered rate is bytes over the time we had at least one request outstanding, decayed
 * exponentially (a sliding window): idle time we caused ourselves does not make a peer look slow,
 * a peer that never answers decays to zero. It drives request timeouts and peer preference.
 */
export class InflightController {
  private readonly cfg: InflightControllerConfig
  private target: number
  private ssthresh: number
  private outstanding = 0
  private readonly meter: BusyRate
  private delivered = 0
  /** Smallest request latency seen: the unloaded latency (round trip plus one chunk's transfer). */
  private base = Infinity
  private srtt: number | undefined

  constructor(config: InflightControllerConfig, now: number) {
    this.cfg = config
    this.target = config.initialInflight
    this.ssthresh = config.maxInflight
    this.meter = new BusyRate(config.rateWindowMs, now)
  }

  /** Requests we may have outstanding at this peer now. */
  get limit(): number {
    return Math.floor(this.target)
  }

  get inflight(): number {
    return this.outstanding
  }

  /** Smallest recent request latency in ms (undefined before the first chunk). */
  get baseRtt(): number | undefined {
    return Number.isFinite(this.base) ? this.base : undefined
  }

  /** Smoothed request latency in ms (undefined before the first chunk). */
  get smoothedRtt(): number | undefined {
    return this.srtt
  }

  /** Chunks this peer has delivered to us. */
  get deliveries(): number {
    return this.delivered
  }

  sent(now: number, count = 1): void {
    this.outstanding += count
    this.meter.setActive(now, this.outstanding)
  }

  /** A requested chunk arrived; `sentAt` is when its request was sent. */
  received(now: number, bytes: number, sentAt: number): void {
    const windowInUse = this.outstanding
    this.meter.add(now, bytes)
    this.outstanding = Math.max(0, this.outstanding - 1)
    this.meter.setActive(now, this.outstanding)
    this.delivered++
    const sample = Math.max(1e-3, now - sentAt)
    this.srtt = this.srtt === undefined ? sample : 0.875 * this.srtt + 0.125 * sample
    // The minimum over the peer's lifetime, as in Vegas: a windowed minimum would creep up
    // while we always keep requests queued (no sample is ever unloaded), and the limit with it.
    this.base = Math.min(this.base, sample)
    const base = this.base
    // Growth only means something when we actually use the window (not app-limited).
    const usingWindow = windowInUse >= this.limit - 1
    const queued = windowInUse * (1 - base / sample)
    if (this.target < this.ssthresh) {
      if (queued > this.cfg.beta) this.ssthresh = this.target
      else if (usingWindow) this.target += 1
    } else if (queued < this.cfg.alpha) {
      if (usingWindow) this.target += 1 / this.target
    } else if (queued > this.cfg.beta && this.target > this.cfg.minInflight) {
      this.target = Math.max(this.cfg.minInflight, this.target - 1 / this.target)
    }
    this.clamp()
  }

  /** A request ended without a chunk and without fault (cancelled, peer left, 'not-have'). */
  dropped(now: number, count = 1): void {
    this.outstanding = Math.max(0, this.outstanding - count)
    this.meter.setActive(now, this.outstanding)
  }

  /** A request timed out: halve the limit (multiplicative decrease). */
  penalise(now: number, count = 1): void {
    this.dropped(now, count)
    this.ssthresh = Math.max(this.cfg.minInflight, this.target / 2)
    this.target = this.ssthresh
    this.clamp()
  }

  /**
   * The peer declined a request as 'busy' with `accepted` of ours still waiting there: it gives
   * us that many, so aim there (down to one) instead of knocking again at each delivery.
   */
  capAt(now: number, accepted: number): void {
    this.dropped(now)
    this.target = Math.min(this.target, Math.max(1, accepted))
    this.ssthresh = this.target
  }

  /**
   * Delivered bytes per second while we had requests outstanding; undefined until the peer
   * delivered a chunk or kept us waiting longer than the minimum request timeout.
   */
  rate(now: number): number | undefined {
    const rate = this.meter.rate(now)
    if (this.delivered === 0 && this.meter.totalBusyMs < this.cfg.minRequestTimeoutMs) return undefined
    return rate
  }

  /**
   * Timeout of a new request for `bytes`, queued behind `aheadBytes` of ours at this peer:
   * the time the observed rate says both need, times the safety factor, within the bounds.
   */
  timeoutMs(now: number, aheadBytes: number, bytes: number): number {
    const rate = this.rate(now)
    const { minRequestTimeoutMs: min, maxRequestTimeoutMs: max } = this.cfg
    if (rate === undefined) return Math.min(max, Math.max(min, this.cfg.initialRequestTimeoutMs))
    if (rate <= 0) return min
    const expected = ((aheadBytes + bytes) * 1000) / rate + (this.baseRtt ?? 0)
    return Math.min(max, Math.max(min, this.cfg.timeoutFactor * expected))
  }

  /** Only a 'busy' cap takes the limit below `minInflight` (down to 1); growth resumes from there. */
  private clamp(): void {
    this.target = Math.min(this.cfg.maxInflight, Math.max(1, this.target))
  }
}
