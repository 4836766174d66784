import { describe, expect, it } from '@jest/globals'
import { WaveSpecError } from './errors.js'
import { formatWaveSpec, parseWaveSpec, resolveWaveSizes } from './wave-spec.js'

describe('parseWaveSpec', () => {
  it('parses cumulative percentages, counts, and counts then percentages', () => {
    expect(parseWaveSpec('10%,50%,100%')).toEqual([
      { kind: 'percent', basisPoints: 1000 },
      { kind: 'percent', basisPoints: 5000 },
      { kind: 'percent', basisPoints: 10000 },
    ])
    expect(formatWaveSpec(parseWaveSpec(' 5 , 20 ,100% '))).toBe('5,20,100%')
    expect(formatWaveSpec(parseWaveSpec('12.5%,100%'))).toBe('12.5%,100%')
    expect(parseWaveSpec(['1', 3])).toEqual([{ kind: 'count', count: 1 }, { kind: 'count', count: 3 }])
    expect(parseWaveSpec('100%')).toHaveLength(1)
  })

  it.each([
    ['', /empty/],
    ['10%,,100%', /wave #2 is empty/],
    ['ten%,100%', /wave #1 "ten%" is neither/],
    ['-5,100%', /neither/],
    ['1.5,100%', /neither/],
    ['0%,100%', /above 0%/],
    ['0,100%', /between 1 and/],
    ['10%,150%', /at most 100%/],
    ['50%,10%,100%', /must grow strictly/],
    ['10%,10%,100%', /must grow strictly/],
    ['5,5,100%', /must grow strictly/],
    ['50%,5,100%', /counts must come before percentages/],
    ['10%,50%', /last wave is 50%: it must be 100%/],
    ['10.125%,100%', /neither/],
    ['99999999,100%', /neither/],
    [Array.from({ length: 101 }, (_, i) => String(i + 1)).join(','), /limit of 100/],
  ])('refuses %j', (text, message) => {
    expect(() => parseWaveSpec(text)).toThrow(WaveSpecError)
    expect(() => parseWaveSpec(text)).toThrow(message)
  })
})

describe('resolveWaveSizes', () => {
  it('turns percentages into cumulative sizes, rounding up', () => {
    expect(resolveWaveSizes(parseWaveSpec('10%,50%,100%'), 20)).toEqual([2, 10, 20])
    expect(resolveWaveSizes(parseWaveSpec('10%,50%,100%'), 30)).toEqual([3, 15, 30])
    expect(resolveWaveSizes(parseWaveSpec('33.33%,100%'), 3)).toEqual([1, 3])
  })

  it('drops waves that would add no node and caps counts', () => {
    expect(resolveWaveSizes(parseWaveSpec('10%,50%,100%'), 2)).toEqual([1, 2])
    expect(resolveWaveSizes(parseWaveSpec('5,20,100%'), 8)).toEqual([5, 8])
    expect(resolveWaveSizes(parseWaveSpec('5,20'), 20)).toEqual([5, 20])
    expect(resolveWaveSizes(parseWaveSpec('50%,100%'), 1)).toEqual([1])
  })

  it('refuses counts that do not cover every matched node', () => {
    expect(() => resolveWaveSizes(parseWaveSpec('5,20'), 25)).toThrow(/covers 20 nodes but the selector matches 25/)
    expect(() => resolveWaveSizes(parseWaveSpec('100%'), 0)).toThrow(WaveSpecError)
  })
})
