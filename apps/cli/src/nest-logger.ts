import type { StartCoordinatorOptions } from '@imgswarm/coordinator'
import type { Logger } from './logger.js'

/** Nest's `LoggerService`, as the coordinator accepts it. */
export type NestLogger = Extract<NonNullable<StartCoordinatorOptions['logger']>, { log: unknown }>

/**
 * Nest's logger interface on the CLI's pino logger, so the coordinator's log lines share one
 * format (pretty or JSON) with the rest of the command. Nest passes the context (its class name)
 * as the last string argument, and a stack trace before it for errors.
 */
export function nestLogger(log: Logger): NestLogger {
  const write =
    (level: 'info' | 'warn' | 'error' | 'debug' | 'trace') =>
    (message: unknown, ...rest: unknown[]): void => {
      const context = typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : undefined
      const stack = level === 'error' && rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined
      const text = message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message)
      // Nest's start-up chatter (modules loaded, routes mapped) is debug detail, not news.
      const shown = level === 'info' && context !== undefined && STARTUP_CONTEXTS.has(context) ? 'debug' : level
      log[shown](stack === undefined ? {} : { stack }, context === undefined ? text : `${context}: ${text}`)
    }
  return { log: write('info'), warn: write('warn'), error: write('error'), debug: write('debug'), verbose: write('trace'), fatal: write('error') }
}

const STARTUP_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication'])
