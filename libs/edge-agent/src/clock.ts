/** Opaque handle of a scheduled callback. */
export type TimerHandle = unknown

/** Time and timers, injected so tests can drive the agent's loops without waiting. */
export interface AgentClock {
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

export const systemClock: AgentClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

/** Resolves after `ms` on `clock`, or rejects with the signal's reason once it aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined, clock: AgentClock = systemClock): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason)
    const onAbort = (): void => {
      clock.clearTimeout(handle)
      reject(signal?.reason)
    }
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Exponential backoff: `min`, 2·min, 4·min … capped at `max`, with ±`jitter` drawn from `random`. */
export function backoffDelay(
  failures: number,
  opts: { minMs: number; maxMs: number; jitter: number; random?: () => number },
): number {
  const base = Math.min(opts.maxMs, opts.minMs * 2 ** Math.max(0, Math.min(30, failures - 1)))
  const spread = base * opts.jitter * ((opts.random ?? Math.random)() * 2 - 1)
  return Math.max(0, Math.round(base + spread))
}
