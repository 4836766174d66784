import { InvalidInputError } from './errors.js'

/**
 * A fixed-length set of chunk indices, one bit each, most significant bit first (as in
 * BitTorrent). Used for the verified-chunk resume state and for peers' haves on the wire.
 */
export class Bitfield {
  readonly length: number
  private readonly bits: Uint8Array
  private setCount = 0

  constructor(length: number, bytes?: Uint8Array) {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new InvalidInputError(`bitfield length must be a non-negative integer, got ${length}`)
    }
    this.length = length
    const size = Bitfield.byteLength(length)
    if (bytes === undefined) {
      this.bits = new Uint8Array(size)
      return
    }
    if (bytes.byteLength !== size) {
      throw new InvalidInputError(`bitfield of ${length} bits needs ${size} bytes, got ${bytes.byteLength}`)
    }
    const spare = size * 8 - length
    if (spare > 0 && (bytes[size - 1] & ((1 << spare) - 1)) !== 0) {
      throw new InvalidInputError('bitfield has bits set past its length')
    }
    this.bits = Uint8Array.from(bytes)
    for (const byte of this.bits) this.setCount += popcount(byte)
  }

  static byteLength(length: number): number {
    return Math.ceil(length / 8)
  }

  /** A bitfield with every bit set (a seed's view). */
  static full(length: number): Bitfield {
    const b = new Bitfield(length)
    for (let i = 0; i < length; i++) b.set(i)
    return b
  }

  has(index: number): boolean {
    if (index < 0 || index >= this.length) return false
    return (this.bits[index >> 3] & (0x80 >> (index & 7))) !== 0
  }

  /** Sets a bit; returns true if it was not set before. */
  set(index: number): boolean {
    this.check(index)
    const mask = 0x80 >> (index & 7)
    if ((this.bits[index >> 3] & mask) !== 0) return false
    this.bits[index >> 3] |= mask
    this.setCount++
    return true
  }

  /** Clears a bit; returns true if it was set before. */
  clear(index: number): boolean {
    this.check(index)
    const mask = 0x80 >> (index & 7)
    if ((this.bits[index >> 3] & mask) === 0) return false
    this.bits[index >> 3] &= ~mask
    this.setCount--
    return true
  }

  /** Number of set bits. */
  get count(): number {
    return this.setCount
  }

  get complete(): boolean {
    return this.setCount === this.length
  }

  /** Indices of the set bits, ascending. */
  *indices(): IterableIterator<number> {
    for (let byte = 0; byte < this.bits.length; byte++) {
      const v = this.bits[byte]
      if (v === 0) continue
      for (let bit = 0; bit < 8; bit++) {
        if ((v & (0x80 >> bit)) !== 0) yield byte * 8 + bit
      }
    }
  }

  /** Indices of the clear bits, ascending. */
  *missing(): IterableIterator<number> {
    for (let i = 0; i < this.length; i++) if (!this.has(i)) yield i
  }

  /** A copy of the underlying bytes (safe to send or store). */
  toBytes(): Uint8Array {
    return Uint8Array.from(this.bits)
  }

  clone(): Bitfield {
    return new Bitfield(this.length, this.bits)
  }

  private check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new InvalidInputError(`chunk index ${index} out of range 0..${this.length - 1}`)
    }
  }
}

function popcount(v: number): number {
  v = v - ((v >> 1) & 0x55)
  v = (v & 0x33) + ((v >> 2) & 0x33)
  return (v + (v >> 4)) & 0x0f
}
