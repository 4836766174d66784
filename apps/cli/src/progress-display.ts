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

/** How often a non-TTY display writes a progress line. */
const LOG_INTERVAL_MS = 2_000

/**
 * A progress bar (bytes, rate, peers, ETA) on a terminal; plain log lines at a steady pace
 * otherwise (CI logs, systemd journals), so output stays readable in both.
 */
export function createProgressDisplay(init: { tty: boolean; logger: Logger; label: string }): ProgressDisplay {
  return init.tty ? new BarDisplay(init.label) : new LogDisplay(init.logger, init.label)
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

  constructor(
    private readonly logger: Logger,
    private readonly label: string,
  ) {}

  update(s: ProgressSnapshot): void {
    this.last = s
    const now = Date.now()
    if (now - this.lastLog < LOG_INTERVAL_MS && s.bytesDone < s.bytesTotal) return
    this.lastLog = now
    this.write(s)
  }

  stop(): void {
    if (this.last !== undefined && Date.now() - this.lastLog > 0) this.write(this.last)
  }

  private write(s: ProgressSnapshot): void {
    const pct = s.bytesTotal > 0 ? ((100 * s.bytesDone) / s.bytesTotal).toFixed(1) : '100.0'
    this.logger.info(
      `${this.label} ${pct}% ${formatBytes(s.bytesDone)} / ${formatBytes(s.bytesTotal)}, ` +
        `${formatBytes(s.rateBps)}/s, ${s.peers} peers, ETA ${formatDuration(etaSeconds(s))}`,
    )
  }
}
