/** An opaque handle returned by `Clock.setTimeout`. */
export type TimerHandle = unknown

/**
 * Time as the scheduler sees it. Injected so that tests and the simulator run the same code on
 * virtual time: nothing in the scheduler reads `Date.now()` or calls the global timers directly.
 */
export interface Clock {
  /** Milliseconds; only differences matter. */
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

/** Real time: `performance.now()` and unref'd Node timers (a scheduler never keeps a process alive). */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms)
    t.unref?.()
    return t
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>)
  },
}
