import { describe, expect, it } from '@jest/globals'
import { EventQueue } from './event-queue.js'

describe('EventQueue', () => {
  it('runs callbacks in time order, equal times first-in first-out, and moves the clock', () => {
    const q = new EventQueue()
    const seen: string[] = []
    q.schedule(10, () => seen.push(`b@${q.now()}`))
    q.schedule(5, () => seen.push(`a@${q.now()}`))
    q.schedule(10, () => seen.push(`c@${q.now()}`))
    q.setTimeout(() => q.schedule(0, () => seen.push(`d@${q.now()}`)), 10)
    while (q.runNext() !== undefined);
    expect(seen).toEqual(['a@5', 'b@10', 'c@10', 'd@10'])
  })

  it('cancels timers without running them', () => {
    const q = new EventQueue()
    const seen: number[] = []
    const t = q.setTimeout(() => seen.push(1), 5)
    q.setTimeout(() => seen.push(2), 6)
    q.clearTimeout(t)
    expect(q.pending).toBe(1)
    while (q.runNext() !== undefined);
    expect(seen).toEqual([2])
    expect(q.peekTime()).toBeUndefined()
  })

  it('orders many random events like a sort would', () => {
    const q = new EventQueue()
    const times: number[] = []
    let x = 12345
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31
      const t = x % 1000
      q.schedule(t, () => times.push(q.now()))
    }
    while (q.runNext() !== undefined);
    expect(times).toEqual([...times].sort((a, b) => a - b))
    expect(times.length).toBe(2000)
  })

  it('drops cancelled events from the heap once they outnumber live ones, keeping the order', () => {
    const q = new EventQueue()
    const events = Array.from({ length: 5000 }, (_, i) => {
      const t = (i * 7919) % 1000
      return { t, i, ev: q.schedule(t, () => seen.push([q.now(), i])) }
    })
    const seen: [number, number][] = []
    // cancel four in five, in an order unrelated to time
    for (const e of events) if (e.i % 5 !== 0) q.cancel(e.ev)
    expect(q.pending).toBe(1000)
    expect(q.heapSize).toBeLessThan(2100)
    while (q.runNext() !== undefined);
    const expected = events.filter((e) => e.i % 5 === 0).sort((a, b) => a.t - b.t || a.i - b.i).map((e) => [e.t, e.i])
    expect(seen).toEqual(expected)
  })
})
