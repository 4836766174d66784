import { describe, expect, it } from '@jest/globals'
import { InvalidInputError } from '@imgswarm/core'
import { lowerBound } from './lower-bound.js'

const MiB = 2 ** 20
const agents = (n: number, up: number, down: number) => Array.from({ length: n }, () => ({ upBitsPerS: up, downBitsPerS: down }))

describe('lowerBound (T*)', () => {
  it('is the swarm-uplink term at the default configuration', () => {
    // 16 × 256 MiB over 100 + 16×50 mbit = 16·2147.48 Mbit / 900 mbit
    const t = lowerBound({ sizeBytes: 256 * MiB, seedUpBitsPerS: 100e6, agents: agents(16, 50e6, 200e6) })
    expect(t.bound).toBe('swarm-uplink')
    expect(t.seconds).toBeCloseTo((16 * 256 * MiB * 8) / 900e6, 9)
    expect(t.seconds).toBeCloseTo(38.177, 2)
    expect(t.terms['seed-uplink']).toBeCloseTo(21.47, 2)
    expect(t.terms['slowest-downlink']).toBeCloseTo(10.74, 2)
  })

  it('is the seed uplink for a single agent with a fast downlink', () => {
    const t = lowerBound({ sizeBytes: 100e6, seedUpBitsPerS: 100e6, agents: agents(1, 10e6, 1e9) })
    expect(t.bound).toBe('seed-uplink')
    expect(t.seconds).toBeCloseTo(8, 9)
  })

  it('is the slowest downlink when one agent is slow to receive', () => {
    const slow = [...agents(3, 1e9, 1e9), { upBitsPerS: 1e9, downBitsPerS: 8e6 }]
    const t = lowerBound({ sizeBytes: 10e6, seedUpBitsPerS: 1e9, agents: slow })
    expect(t.bound).toBe('slowest-downlink')
    expect(t.seconds).toBeCloseTo(10, 9)
  })

  it('refuses an empty swarm or a zero rate', () => {
    expect(() => lowerBound({ sizeBytes: 1, seedUpBitsPerS: 1, agents: [] })).toThrow(InvalidInputError)
    expect(() => lowerBound({ sizeBytes: 1, seedUpBitsPerS: 0, agents: agents(1, 1, 1) })).toThrow(/positive/)
  })
})
