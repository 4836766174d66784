import { describe, expect, it } from '@jest/globals'
import { InvalidInputError } from '@imgswarm/core'
import { formatBytes, parseSize } from './sizes.js'

describe('parseSize', () => {
  it('reads binary, decimal and bare sizes', () => {
    expect(parseSize('256MiB')).toBe(268_435_456)
    expect(parseSize('16MiB')).toBe(16 * 1024 * 1024)
    expect(parseSize('1GiB')).toBe(2 ** 30)
    expect(parseSize('1gib')).toBe(2 ** 30)
    expect(parseSize('500MB')).toBe(500_000_000)
    expect(parseSize('16mb')).toBe(16_000_000)
    expect(parseSize('16M')).toBe(16 * 2 ** 20)
    expect(parseSize('8M')).toBe(8 * 2 ** 20)
    expect(parseSize('1.5KiB')).toBe(1536)
    expect(parseSize('2TiB')).toBe(2 * 2 ** 40)
    expect(parseSize(' 4096 ')).toBe(4096)
  })

  it('refuses junk, zero and fractions of a byte with the offending text', () => {
    expect(() => parseSize('big')).toThrow(InvalidInputError)
    expect(() => parseSize('256 MiBs')).toThrow(/"256 MiBs"/)
    expect(() => parseSize('0MiB')).toThrow(/positive/)
    expect(() => parseSize('1.3B')).toThrow(/whole/)
    expect(() => parseSize('-5MiB', '--size')).toThrow(/--size "-5MiB"/)
    expect(() => parseSize('-1', '--size')).toThrow(InvalidInputError)
    expect(() => parseSize('99999999TiB')).toThrow(/whole, positive/)
  })
})

describe('formatBytes', () => {
  it('prints sizes back in binary units', () => {
    expect(formatBytes(256 * 2 ** 20)).toBe('256 MiB')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(12)).toBe('12 B')
    expect(formatBytes(4 * 2 ** 30)).toBe('4 GiB')
  })
})
