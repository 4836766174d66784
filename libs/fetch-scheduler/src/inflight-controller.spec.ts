import { describe, expect, it } from '@jest/globals'
import { SchedulerConfigError } from './errors.js'
import { InflightController, inflightControllerConfig } from './inflight-controller.js'

/**
 * Drives a controller against a model peer: requests reach it after half the round trip, are
 * served one after another at `bytesPerMs`, and arrive half a round trip later. Keeps the
 * controller's limit outstanding all the time; returns the largest limit it reached and its
 * limit at the end.
 */
function drive(rttMs: number, bytesPerMs: number, chunk = 256 * 1024, deliveries = 400): { max: number; end: number; rate: number | undefined } {
  const ctl = new InflightController(inflightControllerConfig(), 0)
  let now = 0
  let peerFreeAt = 0
  const pending: { sentAt: number; arriveAt: number }[] = []
  let max = 0
  for (let d = 0; d < deliveries; d++) {
    while (pending.length < ctl.limit) {
      const start = Math.max(now + rttMs / 2, peerFreeAt)
      peerFreeAt = start + chunk / bytesPerMs
      pending.push({ sentAt: now, arriveAt: peerFreeAt + rttMs / 2 })
      ctl.sent(now)
    }
    pending.sort((a, b) => a.arriveAt - b.arriveAt)
    const next = pending.shift() as { sentAt: number; arriveAt: number }
    now = next.arriveAt
    ctl.received(now, chunk, next.sentAt)
    max = Math.max(max, ctl.limit)
  }
  return { max, end: ctl.limit, rate: ctl.rate(now) }
}

describe('InflightController', () => {
  it('keeps many requests at a fast, far peer and few at a slow one', () => {
    // 100 MB/s over a 100 ms round trip: the path holds ~38 chunks of 256 KiB
    const fast = drive(100, 100_000)
    // 1 MB/s over the same round trip: one chunk takes 262 ms, less than one chunk is in the path
    const slow = drive(100, 1_000)
    expect(fast.end).toBeGreaterThanOrEqual(30)
    expect(slow.end).toBeLessThanOrEqual(5)
    expect(fast.end).toBeGreaterThan(slow.end * 5)
    // the measured rate approaches the peer's service rate (bytes per second; the decayed
    // window still remembers the ramp-up at the fast peer)
    expect(fast.rate).toBeGreaterThan(50_000_000)
    expect(slow.rate).toBeGreaterThan(900_000)
    expect(slow.rate).toBeLessThan(1_100_000)
  })

  it('halves on a timeout, caps at what a busy peer accepted, never above the maximum', () => {
    const cfg = inflightControllerConfig({ initialInflight: 16, maxInflight: 20 })
    const ctl = new InflightController(cfg, 0)
    expect(ctl.limit).toBe(16)
    ctl.sent(0, 3)
    ctl.penalise(10)
    expect(ctl.limit).toBe(8)
    expect(ctl.inflight).toBe(2)
    ctl.capAt(20, 1)
    expect(ctl.limit).toBe(1)
    expect(ctl.inflight).toBe(1)
    const big = drive(100, 1_000_000)
    expect(big.max).toBeLessThanOrEqual(48)
  })

  it('derives request timeouts from the observed rate, within bounds', () => {
    const cfg = inflightControllerConfig({ minRequestTimeoutMs: 1_000, initialRequestTimeoutMs: 7_000, maxRequestTimeoutMs: 60_000, timeoutFactor: 3 })
    const ctl = new InflightController(cfg, 0)
    expect(ctl.rate(0)).toBeUndefined()
    expect(ctl.timeoutMs(0, 0, 100_000)).toBe(7_000)
    ctl.sent(0)
    ctl.received(1_000, 100_000, 0) // 100 kB/s
    // an exponentially decayed window: close to 100 kB/s (the first sample leans high)
    const rate = ctl.rate(1_000) as number
    expect(rate).toBeGreaterThan(95_000)
    expect(rate).toBeLessThan(120_000)
    // 200 kB queued ahead + 100 kB at that rate, plus the base latency (1 s), times 3
    expect(ctl.timeoutMs(1_000, 200_000, 100_000)).toBeCloseTo(3 * (300_000 / rate * 1000 + 1_000), 0)
    expect(ctl.timeoutMs(1_000, 0, 1)).toBeCloseTo(3_000, 0) // factor × base latency (1 s), above the floor
    expect(ctl.timeoutMs(1_000, 1e9, 1)).toBe(60_000)
  })

  it('counts a peer that never answers as slow once the minimum timeout has passed', () => {
    const ctl = new InflightController(inflightControllerConfig({ minRequestTimeoutMs: 2_000 }), 0)
    ctl.sent(0)
    expect(ctl.rate(1_000)).toBeUndefined()
    expect(ctl.rate(3_000)).toBe(0)
  })

  it('refuses settings that cannot work', () => {
    expect(() => inflightControllerConfig({ minInflight: 0 })).toThrow(SchedulerConfigError)
    expect(() => inflightControllerConfig({ minInflight: 4, maxInflight: 2 })).toThrow(/maxInflight/)
    expect(() => inflightControllerConfig({ alpha: 3, beta: 1 })).toThrow(/alpha/)
  })
})
