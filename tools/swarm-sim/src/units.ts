import { InvalidInputError } from '@imgswarm/core'

// The same spellings as `bench:swarm` (tools/swarm-bench/src/units.ts): a tool may not import
// another tool (module boundaries), and these few lines do not justify a shared library yet.

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 2 ** 10,
  kib: 2 ** 10,
  m: 2 ** 20,
  mib: 2 ** 20,
  g: 2 ** 30,
  gib: 2 ** 30,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
}

// tc's spelling: `mbit` is 10^6 bit/s. Byte rates are refused rather than guessed.
const RATE_UNITS: Record<string, number> = {
  '': 1,
  bit: 1,
  kbit: 1e3,
  mbit: 1e6,
  gbit: 1e9,
  kibit: 2 ** 10,
  mibit: 2 ** 20,
  gibit: 2 ** 30,
}

const QUANTITY = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i

/** Parses a byte size such as `256MiB`, `1GiB`, `500MB`, `16M` (binary) or `1048576`. */
export function parseSize(text: string, what = 'size'): number {
  const m = QUANTITY.exec(text)
  const factor = m === null ? undefined : SIZE_UNITS[m[2].toLowerCase()]
  if (m === null || factor === undefined) {
    throw new InvalidInputError(`${what} "${text}" is not a size like 256MiB, 1GiB, 500MB or 1048576`)
  }
  const bytes = Number(m[1]) * factor
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new InvalidInputError(`${what} "${text}" must be a whole, positive number of bytes`)
  }
  return bytes
}

/** Parses a link rate in bits per second, tc style: `50mbit`, `1gbit`, `800kbit`, `1000000`. */
export function parseRate(text: string, what = 'rate'): number {
  const m = QUANTITY.exec(text)
  const factor = m === null ? undefined : RATE_UNITS[m[2].toLowerCase()]
  if (m === null || factor === undefined) {
    throw new InvalidInputError(`${what} "${text}" is not a rate like 50mbit, 1gbit or 800kbit (bits per second)`)
  }
  const bitsPerS = Math.round(Number(m[1]) * factor)
  if (!(bitsPerS >= 8000)) throw new InvalidInputError(`${what} "${text}" is below 8kbit`)
  return bitsPerS
}

/** Formats bytes with a binary unit: `256 MiB`, `1.5 GiB`. */
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

/** Formats a rate in bits per second tc style: `50mbit`, `1.5gbit`, `800kbit`. */
export function formatRate(bitsPerS: number): string {
  for (const [unit, factor] of [['gbit', 1e9], ['mbit', 1e6], ['kbit', 1e3]] as const) {
    if (bitsPerS >= factor) return `${Number((bitsPerS / factor).toFixed(3))}${unit}`
  }
  return `${bitsPerS}bit`
}
