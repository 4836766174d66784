import { describe, expect, it } from '@jest/globals'
import { InvalidInputError } from '@imgswarm/core'
import { lowerBound, uniformLowerBound } from './lower-bound.js'

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

const links = { sizeBytes: 256 * MiB, seedUpBitsPerS: 100e6, agentUpBitsPerS: 50e6, agentDownBitsPerS: 200e6 }

describe('uniformLowerBound (T* of identical agents)', () => {
  it('is the swarm uplink at the default links, and grows towards F/U as N grows', () => {
    const t16 = uniformLowerBound({ ...links, agents: 16 })
    expect(t16.bound).toBe('swarm-uplink')
    expect(t16.seconds).toBeCloseTo((16 * 256 * MiB * 8) / 900e6, 9) // 38.18 s, as bench:swarm
    const t10k = uniformLowerBound({ ...links, agents: 10_000 })
    expect(t10k.seconds).toBeCloseTo((10_000 * 256 * MiB * 8) / (100e6 + 10_000 * 50e6), 9)
    expect(t10k.seconds).toBeLessThan((256 * MiB * 8) / 50e6)
  })

  it('is the seed uplink for one agent, the downlink when downlinks are slow', () => {
    expect(uniformLowerBound({ ...links, agents: 1 })).toMatchObject({ bound: 'seed-uplink', seconds: (256 * MiB * 8) / 100e6 })
    expect(uniformLowerBound({ ...links, agents: 4, agentDownBitsPerS: 10e6 }).bound).toBe('slowest-downlink')
  })

  it('equals lowerBound over a list of the same links', () => {
    const list = agents(100, links.agentUpBitsPerS, links.agentDownBitsPerS)
    expect(uniformLowerBound({ ...links, agents: 100 })).toEqual(lowerBound({ sizeBytes: links.sizeBytes, seedUpBitsPerS: links.seedUpBitsPerS, agents: list }))
  })

  it('refuses an empty swarm and non-positive rates', () => {
    expect(() => uniformLowerBound({ ...links, agents: 0 })).toThrow(InvalidInputError)
    expect(() => uniformLowerBound({ ...links, agents: 1.5 })).toThrow(/at least one agent/)
    expect(() => uniformLowerBound({ ...links, agents: 2, agentUpBitsPerS: 0 })).toThrow(/positive/)
  })
})
