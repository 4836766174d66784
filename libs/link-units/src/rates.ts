import { InvalidInputError } from '@imgswarm/core'
import { readQuantity } from './quantity.js'
import { SIZE_UNITS } from './sizes.js'

/**
 * Link rates in bits per second as tc spells them: `mbit` is 10^6 bit/s, `mibit` 2^20. Byte rates
 * (`mbps` is megaBYTES per second to tc) are not in this table: the two readings differ eightfold,
 * so a bit rate is refused rather than guessed.
 */
export const BIT_RATE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  bit: 1,
  kbit: 1e3,
  mbit: 1e6,
  gbit: 1e9,
  tbit: 1e12,
  kibit: 2 ** 10,
  mibit: 2 ** 20,
  gibit: 2 ** 30,
}

/** The slowest link `parseBitRate` accepts: below it a transfer of any real image is too slow to measure. */
export const MIN_BIT_RATE = 8000

/**
 * Parses a link rate in bits per second, tc style: `50mbit`, `1gbit`, `800kbit`, `1000000`.
 * Throws `InvalidInputError` naming `what` for other spellings and for rates below 8kbit.
 */
export function parseBitRate(text: string, what = 'rate'): number {
  const bits = readQuantity(text, BIT_RATE_UNITS)
  if (bits === undefined) {
    throw new InvalidInputError(`${what} "${text}" is not a rate like 50mbit, 1gbit or 800kbit (bits per second)`)
  }
  const bitsPerS = Math.round(bits)
  if (!(bitsPerS >= MIN_BIT_RATE)) throw new InvalidInputError(`${what} "${text}" is below 8kbit, too slow to measure`)
  return bitsPerS
}

/** Formats a rate in bits per second tc style: `50mbit`, `1.5gbit`, `800kbit`. */
export function formatBitRate(bitsPerS: number): string {
  for (const [unit, factor] of [['gbit', 1e9], ['mbit', 1e6], ['kbit', 1e3]] as const) {
    if (bitsPerS >= factor) return `${Number((bitsPerS / factor).toFixed(3))}${unit}`
  }
  return `${bitsPerS}bit`
}

/**
 * Parses a bandwidth cap in bytes per second, written either as a size per second (`20MiB`,
 * `20MiB/s`, `1048576`) or as a tc bit rate (`200mbit` is 25,000,000 B/s); rounded down to whole
 * bytes. Throws `InvalidInputError` naming `what` for other spellings and for caps under 1 B/s.
 */
export function parseByteRate(text: string, what = 'rate'): number {
  const perSecond = text.replace(/\/s\s*$/i, '')
  const bytes = readQuantity(perSecond, SIZE_UNITS) ?? divide(readQuantity(perSecond, BIT_RATE_UNITS), 8)
  if (bytes === undefined) {
    throw new InvalidInputError(`${what} "${text}" is not a rate like 50MiB, 200mbit or 1048576 (bytes per second)`)
  }
  const bytesPerS = Math.floor(bytes)
  if (!(bytesPerS >= 1) || !Number.isSafeInteger(bytesPerS)) {
    throw new InvalidInputError(`${what} "${text}" must be a positive number of bytes per second`)
  }
  return bytesPerS
}

function divide(value: number | undefined, by: number): number | undefined {
  return value === undefined ? undefined : value / by
}
