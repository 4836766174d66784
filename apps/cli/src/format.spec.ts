import { describe, expect, it } from '@jest/globals'
import { formatBytes, formatDuration } from './format.js'

describe('format', () => {
  it('formats byte counts with binary units', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(64 * 1024 * 1024)).toBe('64.0 MiB')
  })

  it('formats durations and unknown values', () => {
    expect(formatDuration(42)).toBe('42s')
    expect(formatDuration(185)).toBe('3m05s')
    expect(formatDuration(3720)).toBe('1h02m')
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('?')
  })
})
