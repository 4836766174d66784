import { describe, expect, it } from '@jest/globals'
import { InvalidArgumentError } from 'commander'
import { parseLabel, parseRate, parseSeconds } from './options.js'

describe('option parsers', () => {
  it('parses rates in bytes per second (spellings: @imgswarm/link-units parseByteRate)', () => {
    expect(parseRate('200mbit')).toBe(25_000_000)
    expect(parseRate('1.5GiB/s')).toBe(1.5 * 1024 ** 3)
  })

  it('refuses malformed or zero rates with a clear message', () => {
    expect(() => parseRate('fast')).toThrow(InvalidArgumentError)
    expect(() => parseRate('10parsecs')).toThrow(/"10parsecs" is not a rate like 50MiB/)
    expect(() => parseRate('0')).toThrow(/positive/)
  })

  it('parses seconds and labels', () => {
    expect(parseSeconds('2.5')).toBe(2.5)
    expect(() => parseSeconds('-1')).toThrow(InvalidArgumentError)
    expect(parseLabel('region=eu', parseLabel('site=plant-3'))).toEqual({ site: 'plant-3', region: 'eu' })
    expect(() => parseLabel('site plant')).toThrow(/expected a label/)
  })
})
