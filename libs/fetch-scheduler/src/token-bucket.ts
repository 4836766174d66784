import { SchedulerConfigError } from './errors.js'

/**
 * A token bucket for a byte-rate cap (upload or download). Tokens are bytes; they refill at
 * `rate` per second up to `burst`. A take larger than the burst is allowed once the bucket is
 * full and leaves it in debt, so chunks bigger than the burst still pass and the long-run rate
 * still holds.
 */
export class TokenBucket {
  readonly rate: number
  readonly burst: number
  private tokens: number
  private updatedAt: number

  /** `rate` in bytes per second, `burst` in bytes; starts full at time `now` (ms). */
  constructor(rate: number, burst: number, now: number) {
    if (!(rate > 0) || !Number.isFinite(rate)) throw new SchedulerConfigError(`rate cap must be a positive number of bytes/s, got ${rate}`)
    if (!(burst > 0) || !Number.isFinite(burst)) throw new SchedulerConfigError(`rate cap burst must be a positive number of bytes, got ${burst}`)
    this.rate = rate
    this.burst = burst
    this.tokens = burst
    this.updatedAt = now
  }

  /**
   * Takes `bytes` tokens if the bucket allows it now and returns 0; otherwise takes nothing and
   * returns how many ms to wait before it would succeed.
   */
  take(bytes: number, now: number): number {
    this.refill(now)
    const need = Math.min(bytes, this.burst)
    if (this.tokens >= need) {
      this.tokens -= bytes
      return 0
    }
    return Math.max(1, Math.ceil(((need - this.tokens) * 1000) / this.rate))
  }

  /** Tokens available at `now` (negative while in debt). */
  available(now: number): number {
    this.refill(now)
    return this.tokens
  }

  private refill(now: number): void {
    const dt = now - this.updatedAt
    if (dt <= 0) return
    this.updatedAt = now
    this.tokens = Math.min(this.burst, this.tokens + (dt * this.rate) / 1000)
  }
}

/**
 * The burst of a rate cap: `burstMs` worth of bytes at `rate`, no more. A chunk larger than that
 * still passes once the bucket is full (leaving it in debt), so over any interval a cap lets
 * through at most `rate × time + burst` plus the one chunk in flight. (A burst of at least a
 * maximal chunk, 4 MiB, would give every cap that much slack: seconds of line-rate traffic on
 * the thin links caps are for.)
 */
export function rateCapBurst(rate: number, burstMs: number): number {
  if (!(burstMs > 0) || !Number.isFinite(burstMs)) throw new SchedulerConfigError(`rateLimitBurstMs must be a positive number, got ${burstMs}`)
  return (rate * burstMs) / 1000
}
