import { describe, expect, it } from '@jest/globals'
import { InvalidInputError } from '@imgswarm/core'
import { formatBitRate, parseBitRate, parseByteRate } from './rates.js'

describe('parseBitRate', () => {
  it('reads tc-style bit rates into bits per second', () => {
    expect(parseBitRate('50mbit')).toBe(50_000_000)
    expect(parseBitRate('200MBIT')).toBe(200_000_000)
    expect(parseBitRate('1gbit')).toBe(1e9)
    expect(parseBitRate('800kbit')).toBe(800_000)
    expect(parseBitRate('2.5mbit')).toBe(2_500_000)
    expect(parseBitRate('1mibit')).toBe(1_048_576)
    expect(parseBitRate('64000')).toBe(64_000)
  })

  it('refuses byte rates, which tc reads eight times larger, and absurdly slow links', () => {
    expect(() => parseBitRate('50mbps')).toThrow(InvalidInputError)
    expect(() => parseBitRate('50MiB')).toThrow(/bits per second/)
    expect(() => parseBitRate('50mbps', '--up')).toThrow(/--up "50mbps"/)
    expect(() => parseBitRate('10bit')).toThrow(/too slow/)
  })
})

describe('formatBitRate', () => {
  it('prints rates back in the units they were given in', () => {
    expect(formatBitRate(50e6)).toBe('50mbit')
    expect(formatBitRate(1.5e9)).toBe('1.5gbit')
    expect(formatBitRate(800e3)).toBe('800kbit')
    expect(formatBitRate(500)).toBe('500bit')
  })
})

describe('parseByteRate', () => {
  it('reads sizes per second and tc bit rates into bytes per second', () => {
    expect(parseByteRate('1048576')).toBe(1048576)
    expect(parseByteRate('50MiB')).toBe(50 * 1024 * 1024)
    expect(parseByteRate('20MB/s')).toBe(20_000_000)
    expect(parseByteRate('1.5GiB/s')).toBe(1.5 * 1024 ** 3)
    expect(parseByteRate('200mbit')).toBe(25_000_000)
    expect(parseByteRate('100kbit')).toBe(12_500)
    expect(parseByteRate('1.5K')).toBe(1536)
  })

  it('refuses malformed, zero and sub-byte rates naming the option', () => {
    expect(() => parseByteRate('fast')).toThrow(InvalidInputError)
    expect(() => parseByteRate('10parsecs', '--upload-rate')).toThrow(/--upload-rate "10parsecs" is not a rate/)
    expect(() => parseByteRate('0')).toThrow(/positive/)
    expect(() => parseByteRate('4bit')).toThrow(/positive/)
  })
})
