import { InvalidInputError } from '@imgswarm/core'
import { readQuantity } from './quantity.js'

/**
 * Byte sizes as coreutils spells them: `KiB`/`MiB`/`GiB`/`TiB` and the bare `K`/`M`/`G`/`T` are
 * powers of 1024, `KB`/`MB`/`GB`/`TB` powers of 1000, `B` or nothing is bytes.
 */
export const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 2 ** 10,
  kib: 2 ** 10,
  m: 2 ** 20,
  mib: 2 ** 20,
  g: 2 ** 30,
  gib: 2 ** 30,
  t: 2 ** 40,
  tib: 2 ** 40,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
}

/**
 * Parses a byte size such as `256MiB`, `1GiB`, `500MB`, `16M` (binary) or `1048576`.
 * Throws `InvalidInputError` naming `what` (e.g. the option, `--size`) and the text.
 */
export function parseSize(text: string, what = 'size'): number {
  const bytes = readQuantity(text, SIZE_UNITS)
  if (bytes === undefined) {
    throw new InvalidInputError(`${what} "${text}" is not a size like 256MiB, 1GiB, 500MB or 1048576`)
  }
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new InvalidInputError(`${what} "${text}" must be a whole, positive number of bytes`)
  }
  return bytes
}

/** Formats bytes with a binary unit and at most one decimal: `256 MiB`, `1.5 GiB`, `12 B`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`
}
