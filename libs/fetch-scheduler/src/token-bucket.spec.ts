import { describe, expect, it } from '@jest/globals'
import { SchedulerConfigError } from './errors.js'
import { rateCapBurst, TokenBucket } from './token-bucket.js'

describe('TokenBucket', () => {
  it('lets a burst through, then holds the long-run rate', () => {
    const b = new TokenBucket(1000, 500, 0) // 1000 B/s, 500 B burst
    expect(b.take(500, 0)).toBe(0)
    const wait = b.take(100, 0)
    expect(wait).toBe(100) // 100 bytes at 1000 B/s
    expect(b.take(100, 100)).toBe(0)
    // over 10 s at most rate × time + burst can pass
    let passed = 600
    for (let t = 100; t <= 10_100; t += 10) if (b.take(50, t) === 0) passed += 50
    expect(passed).toBeLessThanOrEqual(1000 * 10.1 + 500)
    expect(passed).toBeGreaterThan(1000 * 9.5)
  })

  it('passes a take larger than the burst once full, then waits the debt off', () => {
    const b = new TokenBucket(1000, 100, 0)
    expect(b.take(1000, 0)).toBe(0)
    expect(b.available(0)).toBe(-900)
    expect(b.take(100, 0)).toBe(1000) // needs 100 tokens from -900
  })

  it('refuses a rate or burst that cannot work', () => {
    expect(() => new TokenBucket(0, 10, 0)).toThrow(SchedulerConfigError)
    expect(() => new TokenBucket(10, -1, 0)).toThrow(/burst/)
    expect(() => rateCapBurst(1000, 0)).toThrow(/rateLimitBurstMs/)
    expect(() => rateCapBurst(1000, Infinity)).toThrow(SchedulerConfigError)
  })

  it("caps with a burst of burstMs' worth, however large chunks may be: a thin link gets no 4 MiB of slack", () => {
    const rate = 128 * 1024 // 1 Mbit/s
    const b = new TokenBucket(rate, rateCapBurst(rate, 250), 0)
    expect(b.burst).toBe(32 * 1024)
    // 256 KiB chunks as fast as the bucket allows for 10 s: one passes at once, then the rate holds
    let sent = 0
    let t = 0
    while (t <= 10_000) {
      const wait = b.take(256 * 1024, t)
      if (wait === 0) sent += 256 * 1024
      else t += wait
    }
    expect(sent).toBeLessThanOrEqual(rate * 10 + 32 * 1024 + 256 * 1024)
    expect(sent).toBeGreaterThanOrEqual(rate * 10 - 256 * 1024)
  })
})
