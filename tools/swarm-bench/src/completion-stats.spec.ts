import { describe, expect, it } from '@jest/globals'
import { completionCdf, median, summarizeCompletions } from './completion-stats.js'

describe('completion statistics', () => {
  it('takes the middle value, or the mean of the two middle values, whatever the input order', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([7])).toBe(7)
    expect(() => median([])).toThrow(RangeError)
  })

  it('builds a CDF that steps 1/N per agent in time order and ends at 1', () => {
    expect(completionCdf([30, 10, 20, 40])).toEqual([
      { seconds: 10, fraction: 0.25 },
      { seconds: 20, fraction: 0.5 },
      { seconds: 30, fraction: 0.75 },
      { seconds: 40, fraction: 1 },
    ])
  })

  it('summarizes the last and the median completion', () => {
    expect(summarizeCompletions([12.5, 40.25, 20, 31])).toEqual({ lastS: 40.25, medianS: 25.5 })
    expect(() => summarizeCompletions([])).toThrow(RangeError)
  })
})
