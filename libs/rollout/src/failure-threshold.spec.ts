import { describe, expect, it } from '@jest/globals'
import { FailureThresholdError } from './errors.js'
import { exceedsThreshold, formatFailureThreshold, parseFailureThreshold, toleratedFailures } from './failure-threshold.js'

describe('failure threshold', () => {
  it('parses percentages and counts', () => {
    expect(parseFailureThreshold('5%')).toEqual({ kind: 'percent', basisPoints: 500 })
    expect(parseFailureThreshold(2)).toEqual({ kind: 'count', count: 2 })
    expect(formatFailureThreshold(parseFailureThreshold(' 2.5% '))).toBe('2.5%')
    expect(parseFailureThreshold('0')).toEqual({ kind: 'count', count: 0 })
  })

  it.each(['', 'five', '-1', '101%', '1.5', '5 %'])('refuses %j', (text) => {
    expect(() => parseFailureThreshold(text)).toThrow(FailureThresholdError)
  })

  it('tolerates failures up to the threshold, of the nodes started so far', () => {
    const pct = parseFailureThreshold('5%')
    expect(toleratedFailures(pct, 10)).toBe(0)
    expect(toleratedFailures(pct, 20)).toBe(1)
    expect(toleratedFailures(pct, 39)).toBe(1)
    expect(exceedsThreshold(pct, 1, 20)).toBe(false)
    expect(exceedsThreshold(pct, 2, 20)).toBe(true)
    const count = parseFailureThreshold('2')
    expect(exceedsThreshold(count, 2, 3)).toBe(false)
    expect(exceedsThreshold(count, 3, 3)).toBe(true)
    expect(exceedsThreshold(parseFailureThreshold('0'), 1, 100)).toBe(true)
    expect(exceedsThreshold(parseFailureThreshold('100%'), 6, 6)).toBe(false)
  })
})
