import { pino, type Logger } from 'pino'
import pretty from 'pino-pretty'

export type { Logger }

export interface LoggerInit {
  /** `pretty` for people (default), `json` for machines (systemd, Kubernetes). */
  format?: 'pretty' | 'json'
  level?: string
}

/** Logs go to stderr, so stdout stays free for `--json` output that scripts parse. */
export function createLogger(init: LoggerInit = {}): Logger {
  const level = init.level ?? process.env.IMGSWARM_LOG_LEVEL ?? 'info'
  if (init.format === 'json') return pino({ level }, pino.destination({ fd: 2, sync: true }))
  return pino(
    { level },
    pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' }),
  )
}
