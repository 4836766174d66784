import { GEAR_SEED } from './constants.js'

/**
 * The gear table: 256 pseudo-random 32-bit values, one per byte value, stored as int32 so the
 * hot loops stay in small-integer arithmetic. Generated at load from GEAR_SEED with mulberry32
 * (Tommy Ettinger's 32-bit generator: add 0x6D2B79F5, then two multiply-xorshift rounds), the
 * first 256 outputs in order. Chunk boundaries depend on every entry: this table never changes
 * (a spec pins a checksum of it).
 */
export const GEAR: Int32Array = gearTable(GEAR_SEED)

function gearTable(seed: number): Int32Array {
  const table = new Int32Array(256)
  let state = seed | 0
  for (let i = 0; i < 256; i++) {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), state | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    table[i] = t ^ (t >>> 14)
  }
  return table
}

/**
 * Rolls the gear hash over a range of bytes and stops at the first position where
 * `(hash & mask) === 0`: the inner loop of content-defined chunking.
 */
export interface GearScanner {
  /**
   * Starting from `hash`, folds in bytes[from..to) one at a time (`hash = (hash << 1) + GEAR[b]`)
   * and returns the index just past the first byte after which `(hash & mask) === 0`, or -1 when
   * none does; then `hash` holds the hash after the last byte.
   */
  scan(bytes: Uint8Array, from: number, to: number, hash: number, mask: number): number
  readonly hash: number
}

/** Folds bytes[from..to) into `hash` with no test: the warm-up of the gear window. */
export function gearRoll(bytes: Uint8Array, from: number, to: number, hash: number): number {
  const gear = GEAR
  for (let i = from; i < to; i++) hash = ((hash << 1) + gear[bytes[i]]) | 0
  return hash
}

/** The gear scan in plain JavaScript: the reference the wasm scanner is tested against. */
export class JsGearScanner implements GearScanner {
  hash = 0

  scan(bytes: Uint8Array, from: number, to: number, hash: number, mask: number): number {
    const gear = GEAR
    for (let i = from; i < to; i++) {
      hash = ((hash << 1) + gear[bytes[i]]) | 0
      if ((hash & mask) === 0) return i + 1
    }
    this.hash = hash
    return -1
  }
}
