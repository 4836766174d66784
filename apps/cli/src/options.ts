import { InvalidArgumentError } from 'commander'
import { parseManifestCid, parsePublicKey } from '@imgswarm/manifest'

/** Commander collector for repeatable options (`--peer a --peer b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

/** Parses a non-negative number of seconds. */
export function parseSeconds(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number of seconds >= 0, got "${value}"`)
  return n
}

const RATE_UNITS: Record<string, number> = {
  '': 1,
  b: 1 / 8,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
  kbit: 1000 / 8,
  mbit: 1000 ** 2 / 8,
  gbit: 1000 ** 3 / 8,
}

/** Parses a rate cap in bytes per second: `50MiB`, `200mbit`, `1048576` (per second implied). */
export function parseRate(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)(?:\/s)?\s*$/i.exec(value)
  const unit = m?.[2].toLowerCase()
  if (m === null || unit === undefined || !(unit in RATE_UNITS)) {
    throw new InvalidArgumentError(`expected a rate like 50MiB, 200mbit or 1048576, got "${value}"`)
  }
  const bytes = Number(m[1]) * RATE_UNITS[unit]
  if (!(bytes > 0)) throw new InvalidArgumentError(`rate must be positive, got "${value}"`)
  return Math.floor(bytes)
}

/** Parses `key=value` labels such as `site=plant-3`. */
export function parseLabel(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const m = /^([A-Za-z0-9_.-]{1,63})=([A-Za-z0-9_.-]{0,63})$/.exec(value)
  if (m === null) throw new InvalidArgumentError(`expected a label like site=plant-3, got "${value}"`)
  return { ...previous, [m[1]]: m[2] }
}

/** Checks a manifest CID (`bafyrei…`) as the option is read, so a typo is a usage error before any network work. */
export function parseManifestCidOption(value: string): string {
  try {
    return parseManifestCid(value.trim()).toString()
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
}

/** Collects trusted publisher keys (`z6Mk…`), each checked as it is read. */
export function collectPublisherKey(value: string, previous: string[] = []): string[] {
  try {
    parsePublicKey(value.trim())
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
  return [...previous, value.trim()]
}
