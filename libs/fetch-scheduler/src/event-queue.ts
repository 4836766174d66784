import type { Clock, TimerHandle } from './clock.js'

/** Below this many slots the heap is never compacted (cancelled events cost little there). */
const COMPACT_MIN = 1024

/** A scheduled callback on virtual time. `fn` is cleared when cancelled. */
export interface VirtualEvent {
  time: number
  seq: number
  fn: (() => void) | undefined
  /** The callback may settle promises whose continuations must run before the next event. */
  async: boolean
}

/**
 * A priority queue of callbacks on virtual time (binary heap ordered by time, then by insertion
 * so equal times run first-in first-out: messages on one link keep their order). Cancelling
 * clears the callback in place (lazy deletion) instead of searching the heap.
 */
export class EventQueue implements Clock {
  private readonly heap: VirtualEvent[] = []
  private seq = 0
  private time = 0
  private live = 0

  now(): number {
    return this.time
  }

  /** Events scheduled and not yet run or cancelled. */
  get pending(): number {
    return this.live
  }

  /** Time of the next live event, or undefined when none is left. */
  peekTime(): number | undefined {
    this.skipCancelled()
    return this.heap.length > 0 ? this.heap[0].time : undefined
  }

  schedule(delayMs: number, fn: () => void, async = false): VirtualEvent {
    const ev: VirtualEvent = { time: this.time + Math.max(0, delayMs), seq: this.seq++, fn, async }
    this.push(ev)
    this.live++
    return ev
  }

  cancel(ev: VirtualEvent): void {
    if (ev.fn === undefined) return
    ev.fn = undefined
    this.live--
    // Flows re-rated at every start and end leave many cancelled completion events behind:
    // once they outnumber the live ones, rebuild the heap from the live events (O(n), so O(1)
    // per cancel amortised). Order is by (time, seq), a total order: the run is unchanged.
    if (this.heap.length > COMPACT_MIN && this.live * 2 < this.heap.length) this.compact()
  }

  /** Slots in the heap, cancelled events included (for tests and diagnostics). */
  get heapSize(): number {
    return this.heap.length
  }

  /** Timers of the components under simulation: they may settle promises (marked async). */
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.schedule(ms, fn, true)
  }

  clearTimeout(handle: TimerHandle): void {
    if (handle !== undefined && handle !== null) this.cancel(handle as VirtualEvent)
  }

  /**
   * Advances time to the next live event and runs it. Returns undefined when none is left,
   * otherwise whether the event was marked async.
   */
  runNext(): boolean | undefined {
    this.skipCancelled()
    const ev = this.pop()
    if (ev === undefined) return undefined
    this.time = ev.time
    const fn = ev.fn as () => void
    ev.fn = undefined
    this.live--
    fn()
    return ev.async
  }

  private skipCancelled(): void {
    while (this.heap.length > 0 && this.heap[0].fn === undefined) this.pop()
  }

  private compact(): void {
    const h = this.heap
    let k = 0
    for (const ev of h) if (ev.fn !== undefined) h[k++] = ev
    h.length = k
    for (let i = (k >> 1) - 1; i >= 0; i--) this.siftDown(i, h[i])
  }

  private siftDown(start: number, ev: VirtualEvent): void {
    const h = this.heap
    const n = h.length
    let k = start
    for (;;) {
      const l = 2 * k + 1
      if (l >= n) break
      const r = l + 1
      const c = r < n && this.less(h[r], h[l]) ? r : l
      if (!this.less(h[c], ev)) break
      h[k] = h[c]
      k = c
    }
    h[k] = ev
  }

  private less(a: VirtualEvent, b: VirtualEvent): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq)
  }

  private push(ev: VirtualEvent): void {
    const h = this.heap
    let k = h.length
    h.push(ev)
    while (k > 0) {
      const parent = (k - 1) >> 1
      if (!this.less(ev, h[parent])) break
      h[k] = h[parent]
      k = parent
    }
    h[k] = ev
  }

  private pop(): VirtualEvent | undefined {
    const h = this.heap
    if (h.length === 0) return undefined
    const top = h[0]
    const last = h.pop() as VirtualEvent
    if (h.length > 0) this.siftDown(0, last)
    return top
  }
}
