import { isAbsolute, join, resolve } from 'node:path'
import { parsePublicKey, publicKeyToString } from '@imgswarm/manifest'
import {
  DB_DIR_NAME,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_MAX_HINTS,
  DEFAULT_PORT,
  DEFAULT_TICK_INTERVAL_MS,
  MAX_HINTS_LIMIT,
  MIN_TOKEN_LENGTH,
} from '../constants.js'
import { CoordinatorConfigError } from '../errors.js'

/** What the coordinator is started with (CLI flags, environment, tests). */
export interface CoordinatorOptions {
  /** Directory for the level store (`<dataDir>/coordinator-db`), created if missing. */
  dataDir: string
  port?: number
  host?: string
  /** Bearer token for operator calls. */
  adminToken: string
  /** Bearer token agents present once, to enrol. */
  enrolmentToken: string
  /** Publisher keys (`z6Mk…`) whose manifests may be registered and which agents accept. */
  trustedPublishers: readonly string[]
  heartbeatIntervalMs?: number
  heartbeatTimeoutMs?: number
  tickIntervalMs?: number
  maxHints?: number
}

/** Options checked and completed with defaults, once, at start-up. */
export interface CoordinatorConfig {
  dataDir: string
  dbPath: string
  port: number
  host: string
  adminToken: string
  enrolmentToken: string
  trustedPublishers: string[]
  heartbeatIntervalMs: number
  heartbeatTimeoutMs: number
  tickIntervalMs: number
  maxHints: number
}

const TOKEN = /^[\x21-\x7e]+$/

/** Validates options; throws one `CoordinatorConfigError` listing every problem found. */
export function resolveConfig(options: CoordinatorOptions): CoordinatorConfig {
  const problems: string[] = []
  const o = options ?? ({} as CoordinatorOptions)
  if (typeof o.dataDir !== 'string' || o.dataDir.trim() === '') problems.push('dataDir: a data directory is required')
  const port = o.port ?? DEFAULT_PORT
  if (!Number.isInteger(port) || port < 0 || port > 65_535) problems.push(`port: ${String(o.port)} is not a port number (0-65535)`)
  const host = o.host ?? DEFAULT_HOST
  if (typeof host !== 'string' || host.trim() === '') problems.push('host: must be a host name or address')
  checkToken('adminToken', o.adminToken, problems)
  checkToken('enrolmentToken', o.enrolmentToken, problems)
  if (typeof o.adminToken === 'string' && o.adminToken === o.enrolmentToken) {
    problems.push('enrolmentToken: must differ from the admin token (agents must not hold admin rights)')
  }
  const trustedPublishers: string[] = []
  if (!Array.isArray(o.trustedPublishers) || o.trustedPublishers.length === 0) {
    problems.push('trustedPublishers: at least one trusted publisher key (z6Mk…) is required, or no image could be registered')
  } else {
    o.trustedPublishers.forEach((key, i) => {
      try {
        const canonical = publicKeyToString(parsePublicKey(key))
        if (!trustedPublishers.includes(canonical)) trustedPublishers.push(canonical)
      } catch (err) {
        problems.push(`trustedPublishers[${i}]: ${(err as Error).message}`)
      }
    })
  }
  const heartbeatIntervalMs = duration('heartbeatIntervalMs', o.heartbeatIntervalMs, DEFAULT_HEARTBEAT_INTERVAL_MS, problems)
  const heartbeatTimeoutMs = duration('heartbeatTimeoutMs', o.heartbeatTimeoutMs, DEFAULT_HEARTBEAT_TIMEOUT_MS, problems)
  const tickIntervalMs = duration('tickIntervalMs', o.tickIntervalMs, DEFAULT_TICK_INTERVAL_MS, problems)
  if (heartbeatTimeoutMs <= heartbeatIntervalMs) {
    problems.push(`heartbeatTimeoutMs: ${heartbeatTimeoutMs} must be longer than the heartbeat interval (${heartbeatIntervalMs})`)
  }
  const maxHints = o.maxHints ?? DEFAULT_MAX_HINTS
  if (!Number.isInteger(maxHints) || maxHints < 1 || maxHints > MAX_HINTS_LIMIT) {
    problems.push(`maxHints: ${String(o.maxHints)} must be a whole number from 1 to ${MAX_HINTS_LIMIT}`)
  }
  if (problems.length > 0) {
    throw new CoordinatorConfigError(`invalid coordinator configuration:\n  - ${problems.join('\n  - ')}`)
  }
  const dataDir = isAbsolute(o.dataDir) ? o.dataDir : resolve(o.dataDir)
  return {
    dataDir,
    dbPath: join(dataDir, DB_DIR_NAME),
    port,
    host,
    adminToken: o.adminToken,
    enrolmentToken: o.enrolmentToken,
    trustedPublishers,
    heartbeatIntervalMs,
    heartbeatTimeoutMs,
    tickIntervalMs,
    maxHints,
  }
}

function checkToken(name: string, token: unknown, problems: string[]): void {
  if (typeof token !== 'string' || token === '') {
    problems.push(`${name}: required`)
  } else if (token.length < MIN_TOKEN_LENGTH) {
    problems.push(`${name}: at least ${MIN_TOKEN_LENGTH} characters are required (got ${token.length})`)
  } else if (!TOKEN.test(token)) {
    problems.push(`${name}: printable ASCII without spaces only (it travels in an HTTP header)`)
  }
}

function duration(name: string, value: number | undefined, fallback: number, problems: string[]): number {
  const v = value ?? fallback
  if (!Number.isInteger(v) || v < 10 || v > 86_400_000) {
    problems.push(`${name}: ${String(value)} must be a whole number of milliseconds from 10 to 86400000`)
    return fallback
  }
  return v
}
