import type { HeartbeatResponse } from '@imgswarm/coordinator-client'
import type { Logger } from 'pino'
import { backoffDelay, systemClock, type AgentClock, type TimerHandle } from './clock.js'
import { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_RETRY_JITTER, DEFAULT_RETRY_MAX_MS, DEFAULT_RETRY_MIN_MS } from './constants.js'
import { isTransient } from './enrolment.js'

export interface HeartbeatLoopInit {
  /** Sends one heartbeat (the caller builds the body from its state at that moment). */
  beat(signal: AbortSignal): Promise<HeartbeatResponse>
  /** Receives each answer, in order; what it throws is logged, the loop goes on. */
  onResponse(response: HeartbeatResponse): void | Promise<void>
  /** Until the coordinator's first answer names its own interval. */
  intervalMs?: number
  retryMinMs?: number
  retryMaxMs?: number
  random?: () => number
  clock?: AgentClock
  log: Logger
}

/** Counters of the loop, for status and metrics. */
export interface HeartbeatStats {
  sent: number
  failed: number
  /** Failures in a row now (0 while the coordinator answers). */
  failingSince: number
  /** False after a failed heartbeat, true after an answered one, undefined before the first. */
  reachable: boolean | undefined
  lastError?: string
}

/**
 * Heartbeats on a timer. While the coordinator cannot be reached it logs one warning, retries
 * with growing delays (1 s, 2 s, 4 s … up to 30 s, with jitter) and says once when it answers
 * again; the agent's work goes on meanwhile. `trigger()` sends at once (a state change worth
 * reporting now); a trigger during a heartbeat in flight sends another right after it.
 */
export class HeartbeatLoop {
  private readonly clock: AgentClock
  private readonly abort = new AbortController()
  private interval: number
  private timer: TimerHandle | undefined
  private inflight: Promise<void> | undefined
  private again = false
  private running = false
  private readonly counters: HeartbeatStats = { sent: 0, failed: 0, failingSince: 0, reachable: undefined }

  constructor(private readonly init: HeartbeatLoopInit) {
    this.clock = init.clock ?? systemClock
    this.interval = init.intervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS
  }

  get intervalMs(): number {
    return this.interval
  }

  stats(): HeartbeatStats {
    return { ...this.counters }
  }

  /** Starts with a heartbeat right away. */
  start(): void {
    if (this.running) return
    this.running = true
    this.schedule(0)
  }

  /** Stops the timer and waits for a heartbeat in flight (which is aborted). */
  async stop(): Promise<void> {
    this.running = false
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer)
    this.timer = undefined
    this.abort.abort()
    await this.inflight
  }

  /** Heartbeats now instead of at the next tick. */
  trigger(): void {
    if (!this.running) return
    if (this.inflight !== undefined) {
      this.again = true
      return
    }
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer)
    this.schedule(0)
  }

  private schedule(ms: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined
      this.inflight = this.tick().finally(() => {
        this.inflight = undefined
      })
    }, ms)
  }

  private async tick(): Promise<void> {
    let next = this.interval
    this.again = false
    try {
      const response = await this.init.beat(this.abort.signal)
      if (!this.running) return
      this.counters.sent++
      if (this.counters.failingSince > 0) {
        this.init.log.info({ failedHeartbeats: this.counters.failingSince }, 'coordinator reachable again; reporting')
      }
      this.counters.failingSince = 0
      this.counters.reachable = true
      delete this.counters.lastError
      if (Number.isInteger(response.heartbeatIntervalMs) && response.heartbeatIntervalMs > 0) this.interval = response.heartbeatIntervalMs
      next = this.interval
      try {
        await this.init.onResponse(response)
      } catch (err) {
        this.init.log.error({ err: (err as Error).message }, 'handling the heartbeat answer failed')
      }
    } catch (err) {
      if (!this.running) return
      this.counters.failed++
      this.counters.failingSince++
      const transient = isTransient(err)
      this.counters.reachable = transient ? false : true
      this.counters.lastError = (err as Error).message
      next = backoffDelay(this.counters.failingSince, {
        minMs: this.init.retryMinMs ?? DEFAULT_RETRY_MIN_MS,
        maxMs: this.init.retryMaxMs ?? DEFAULT_RETRY_MAX_MS,
        jitter: DEFAULT_RETRY_JITTER,
        random: this.init.random,
      })
      const fields = { err: (err as Error).message, retryInMs: next }
      if (this.counters.failingSince === 1) {
        if (transient) this.init.log.warn(fields, 'coordinator unreachable: working on, retrying heartbeats with backoff')
        else this.init.log.error(fields, 'the coordinator refused a heartbeat; retrying with backoff')
      } else {
        this.init.log.debug(fields, 'heartbeat failed again')
      }
    }
    if (!this.running) return
    this.schedule(this.again ? 0 : next)
  }
}
