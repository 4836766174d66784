import { describe, expect, it } from '@jest/globals'
import { InvalidInputError } from '@imgswarm/core'
import { formatBytes, formatRate, parseRate, parseSize } from './units.js'

describe('parseSize', () => {
  it('reads binary, decimal and bare sizes', () => {
    expect(parseSize('256MiB')).toBe(268_435_456)
    expect(parseSize('16MiB')).toBe(16 * 1024 * 1024)
    expect(parseSize('1GiB')).toBe(2 ** 30)
    expect(parseSize('1gib')).toBe(2 ** 30)
    expect(parseSize('500MB')).toBe(500_000_000)
    expect(parseSize('16M')).toBe(16 * 2 ** 20)
    expect(parseSize('1.5KiB')).toBe(1536)
    expect(parseSize('4096')).toBe(4096)
  })

  it('refuses junk, zero and fractions of a byte with the offending text', () => {
    expect(() => parseSize('big')).toThrow(InvalidInputError)
    expect(() => parseSize('256 MiBs')).toThrow(/"256 MiBs"/)
    expect(() => parseSize('0MiB')).toThrow(/positive/)
    expect(() => parseSize('1.3B')).toThrow(/whole/)
    expect(() => parseSize('-5MiB', '--size')).toThrow(/--size "-5MiB"/)
  })
})

describe('parseRate', () => {
  it('reads tc-style bit rates into bits per second', () => {
    expect(parseRate('50mbit')).toBe(50_000_000)
    expect(parseRate('200MBIT')).toBe(200_000_000)
    expect(parseRate('1gbit')).toBe(1e9)
    expect(parseRate('800kbit')).toBe(800_000)
    expect(parseRate('2.5mbit')).toBe(2_500_000)
    expect(parseRate('1mibit')).toBe(1_048_576)
    expect(parseRate('64000')).toBe(64_000)
  })

  it('refuses byte rates, which tc reads eight times larger, and absurdly slow links', () => {
    expect(() => parseRate('50mbps')).toThrow(InvalidInputError)
    expect(() => parseRate('50MiB')).toThrow(/bits per second/)
    expect(() => parseRate('10bit')).toThrow(/too slow/)
  })
})

describe('formatting', () => {
  it('prints sizes and rates back in the units they were given in', () => {
    expect(formatBytes(256 * 2 ** 20)).toBe('256 MiB')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(12)).toBe('12 B')
    expect(formatRate(50e6)).toBe('50mbit')
    expect(formatRate(1.5e9)).toBe('1.5gbit')
    expect(formatRate(800e3)).toBe('800kbit')
  })
})
