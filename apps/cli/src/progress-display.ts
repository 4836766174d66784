import cliProgress from 'cli-progress'
import { formatBytes, formatDuration } from './format.js'
import type { Logger } from './logger.js'

export interface ProgressSnapshot {
  bytesDone: number
  bytesTotal: number
  /** Current download rate in bytes per second. */
  rateBps: number
  peers: number
}

export interface ProgressDisplay {
  update(snapshot: ProgressSnapshot): void
  stop(): void
}

/** How often a non-TTY display writes a progress line, unless IMGSWARM_PROGRESS_INTERVAL_MS says otherwise. */
export const DEFAULT_LOG_INTERVAL_MS = 2_000

/**
 * A progress bar (bytes, rate, peers, ETA) on a terminal; plain log lines at a steady pace
 * otherwise (CI logs, systemd journals), so output stays readable in both.
 */
export function createProgressDisplay(init: {
  tty: boolean
  logger: Logger
  label: string
  /** Non-TTY only; default from IMGSWARM_PROGRESS_INTERVAL_MS (tests watch progress closely), else 2 s. */
  logIntervalMs?: number
}): ProgressDisplay {
  if (init.tty) return new BarDisplay(init.label)
  return new LogDisplay(init.logger, init.label, init.logIntervalMs ?? logIntervalFromEnv())
}

function logIntervalFromEnv(): number {
  const ms = Number(process.env.IMGSWARM_PROGRESS_INTERVAL_MS)
  return Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_LOG_INTERVAL_MS
}

function etaSeconds(s: ProgressSnapshot): number {
  return s.rateBps > 0 ? (s.bytesTotal - s.bytesDone) / s.rateBps : Number.POSITIVE_INFINITY
}

class BarDisplay implements ProgressDisplay {
  private readonly bar: cliProgress.SingleBar
  private started = false

  constructor(label: string) {
    this.bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {done} / {total} | {rate}/s | peers {peers} | ETA {etaText}`,
        hideCursor: true,
        stream: process.stderr,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    )
  }

  update(s: ProgressSnapshot): void {
    const payload = {
      done: formatBytes(s.bytesDone),
      total: formatBytes(s.bytesTotal),
      rate: formatBytes(s.rateBps),
      peers: s.peers,
      etaText: formatDuration(etaSeconds(s)),
    }
    if (!this.started) {
      this.bar.start(Math.max(s.bytesTotal, 1), s.bytesDone, payload)
      this.started = true
    } else {
      this.bar.update(s.bytesDone, payload)
    }
  }

  stop(): void {
    if (this.started) this.bar.stop()
  }
}

class LogDisplay implements ProgressDisplay {
  private lastLog = 0
  private last?: ProgressSnapshot
  /** Bytes done in the last line written: the final state is written once, not on every update. */
  private written?: number

  constructor(
    private readonly logger: Logger,
    private readonly label: string,
    private readonly intervalMs: number,
  ) {}

  update(s: ProgressSnapshot): void {
    this.last = s
    const now = Date.now()
    const complete = s.bytesDone >= s.bytesTotal
    if (complete ? this.written === s.bytesDone : now - this.lastLog < this.intervalMs) return
    this.lastLog = now
    this.write(s)
  }

  stop(): void {
    if (this.last !== undefined && this.last.bytesDone !== this.written) this.write(this.last)
  }

  private write(s: ProgressSnapshot): void {
    this.written = s.bytesDone
    const pct = s.bytesTotal > 0 ? ((100 * s.bytesDone) / s.bytesTotal).toFixed(1) : '100.0'
    this.logger.info(
      `${this.label} ${pct}% ${formatBytes(s.bytesDone)} / ${formatBytes(s.bytesTotal)}, ` +
        `${formatBytes(s.rateBps)}/s, ${s.peers} peers, ETA ${formatDuration(etaSeconds(s))}`,
    )
  }
}
