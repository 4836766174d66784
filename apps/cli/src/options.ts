import { InvalidArgumentError } from 'commander'
import { parseByteRate } from '@imgswarm/link-units'
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

/**
 * Parses a rate cap in bytes per second: `50MiB`, `50MiB/s`, `200mbit`, `1048576` (per second
 * implied). As a usage error, so commander names the option and prints the help.
 */
export function parseRate(value: string): number {
  try {
    return parseByteRate(value)
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
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
