import { describe, expect, it } from '@jest/globals'
import { CoordinatorApiError, CoordinatorUnreachableError, type HeartbeatResponse } from '@imgswarm/coordinator-client'
import { pino, type Logger } from 'pino'
import { HeartbeatLoop } from './heartbeat-loop.js'
import { FakeClock, settle } from './test/fake-clock.js'

function answer(intervalMs = 5_000): HeartbeatResponse {
  return { nodeId: 'n1', desired: null, rolloutId: null, rollback: false, heartbeatIntervalMs: intervalMs, trustedPublishers: [] }
}

/** A logger whose records the test can read. */
function captureLog(): { log: Logger; records: Array<{ level: number; msg: string }> } {
  const records: Array<{ level: number; msg: string }> = []
  const log: Logger = pino({ level: 'debug' }, { write: (line: string) => void records.push(JSON.parse(line)) })
  return { log, records }
}

describe('HeartbeatLoop (fake clock)', () => {
  it('beats at once, then at the interval the coordinator names', async () => {
    const clock = new FakeClock()
    const { log } = captureLog()
    const sent: number[] = []
    const answers: HeartbeatResponse[] = []
    const loop = new HeartbeatLoop({
      beat: async () => {
        sent.push(clock.now())
        return answer(2_000)
      },
      onResponse: (r) => void answers.push(r),
      intervalMs: 5_000,
      clock,
      log,
    })
    loop.start()
    await clock.advance(0)
    expect(sent).toEqual([0])
    expect(loop.intervalMs).toBe(2_000)
    await clock.advance(6_000)
    expect(sent).toEqual([0, 2_000, 4_000, 6_000])
    expect(answers).toHaveLength(4)
    await loop.stop()
    await clock.advance(10_000)
    expect(sent).toHaveLength(4)
    expect(clock.pending()).toEqual([])
  })

  it('while the coordinator is unreachable: one warning, growing retry delays, and a note when it answers again', async () => {
    const clock = new FakeClock()
    const { log, records } = captureLog()
    let down = true
    const sent: number[] = []
    const loop = new HeartbeatLoop({
      beat: async () => {
        sent.push(clock.now())
        if (down) throw new CoordinatorUnreachableError('connect ECONNREFUSED')
        return answer(5_000)
      },
      onResponse: () => undefined,
      retryMinMs: 1_000,
      retryMaxMs: 8_000,
      random: () => 0.5, // no jitter
      clock,
      log,
    })
    loop.start()
    await clock.advance(40_000)
    // 0, +1 s, +2 s, +4 s, +8 s, +8 s …
    expect(sent.slice(0, 7)).toEqual([0, 1_000, 3_000, 7_000, 15_000, 23_000, 31_000])
    expect(loop.stats()).toMatchObject({ reachable: false, sent: 0, failingSince: sent.length })
    expect(records.filter((r) => r.level === 40)).toHaveLength(1)
    expect(records.find((r) => r.level === 40)?.msg).toMatch(/unreachable/)

    down = false
    await clock.advance(8_000)
    expect(loop.stats()).toMatchObject({ reachable: true, sent: 1, failingSince: 0 })
    expect(records.filter((r) => r.level === 30).map((r) => r.msg)).toEqual(['coordinator reachable again; reporting'])
    const back = sent.length
    await clock.advance(5_000)
    expect(sent).toHaveLength(back + 1) // the normal interval again
    await loop.stop()
  })

  it('logs a refused heartbeat (4xx) as an error and keeps retrying', async () => {
    const clock = new FakeClock()
    const { log, records } = captureLog()
    let calls = 0
    const loop = new HeartbeatLoop({
      beat: async () => {
        calls++
        throw new CoordinatorApiError(401, '401 unknown credential')
      },
      onResponse: () => undefined,
      retryMinMs: 1_000,
      random: () => 0.5,
      clock,
      log,
    })
    loop.start()
    await clock.advance(10_000)
    expect(calls).toBeGreaterThan(2)
    expect(records.filter((r) => r.level === 50)).toHaveLength(1)
    expect(loop.stats().lastError).toMatch(/unknown credential/)
    await loop.stop()
  })

  it('trigger() beats now, and once more after a heartbeat in flight', async () => {
    const clock = new FakeClock()
    const { log } = captureLog()
    let release: (() => void) | undefined
    let calls = 0
    const loop = new HeartbeatLoop({
      beat: async () => {
        calls++
        if (calls === 2) await new Promise<void>((resolve) => (release = resolve))
        return answer(60_000)
      },
      onResponse: () => undefined,
      clock,
      log,
    })
    loop.start()
    await clock.advance(0)
    expect(calls).toBe(1)
    loop.trigger()
    await clock.advance(0)
    expect(calls).toBe(2) // in flight, held
    loop.trigger()
    loop.trigger()
    release?.()
    await settle()
    await clock.advance(0)
    expect(calls).toBe(3) // one more for both triggers, at once
    await clock.advance(59_999)
    expect(calls).toBe(3)
    await loop.stop()
  })

  it('an error in the answer handler is logged and the loop goes on', async () => {
    const clock = new FakeClock()
    const { log, records } = captureLog()
    let calls = 0
    const loop = new HeartbeatLoop({
      beat: async () => {
        calls++
        return answer(1_000)
      },
      onResponse: () => {
        throw new Error('boom')
      },
      clock,
      log,
    })
    loop.start()
    await clock.advance(2_000)
    expect(calls).toBe(3)
    expect(records.some((r) => r.level === 50 && /answer failed/.test(r.msg))).toBe(true)
    await loop.stop()
  })
})
