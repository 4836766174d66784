import { describe, expect, it } from '@jest/globals'
import { SchedulerConfigError } from './errors.js'
import { TokenBucket } from './token-bucket.js'

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
  })
})
