import { describe, expect, it } from '@jest/globals'
import { parseProcStat } from './cpu-sampler.js'
import { parseStatCpuSeconds } from './process-cpu.js'

describe('parseProcStat', () => {
  it('counts idle and iowait as not busy', () => {
    const text = 'cpu  100 0 50 800 50 0 20 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\nintr 1\n'
    expect(parseProcStat(text)).toEqual({ busy: 170, softirq: 20, total: 1020 })
    expect(() => parseProcStat('intr 1\n')).toThrow(/cpu line/)
  })
})

describe('parseStatCpuSeconds', () => {
  it('sums user, system and reaped children\'s time past a command name with spaces and parens', () => {
    const line = '4242 (node (x) y) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 7 3 20 0 11 0 1000 0 0'
    expect(parseStatCpuSeconds(line)).toBeCloseTo(3.1, 9)
  })
})
