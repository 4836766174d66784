import { describe, expect, it } from '@jest/globals'
import { Bitfield } from './bitfield.js'
import { InvalidInputError } from './errors.js'

describe('Bitfield', () => {
  it('sets, clears and counts bits, most significant first', () => {
    const b = new Bitfield(10)
    expect(b.set(0)).toBe(true)
    expect(b.set(0)).toBe(false)
    b.set(9)
    expect(b.count).toBe(2)
    expect([...b.indices()]).toEqual([0, 9])
    expect(b.toBytes()).toEqual(Uint8Array.from([0x80, 0x40]))
    expect(b.clear(0)).toBe(true)
    expect(b.count).toBe(1)
    expect(b.missing().next().value).toBe(0)
  })

  it('round-trips through bytes and reports completeness', () => {
    const full = Bitfield.full(13)
    expect(full.complete).toBe(true)
    const copy = new Bitfield(13, full.toBytes())
    expect(copy.count).toBe(13)
    expect(copy.complete).toBe(true)
  })

  it('refuses wrong byte lengths, stray trailing bits and out-of-range indices', () => {
    expect(() => new Bitfield(10, new Uint8Array(3))).toThrow(InvalidInputError)
    expect(() => new Bitfield(10, Uint8Array.from([0, 0x01]))).toThrow(/past its length/)
    expect(() => new Bitfield(4).set(4)).toThrow(InvalidInputError)
    expect(new Bitfield(4).has(99)).toBe(false)
  })
})
