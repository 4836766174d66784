import { describe, expect, it } from '@jest/globals'
import { InvalidInputError } from '@imgswarm/core'
import { lowerBound } from './lower-bound.js'

const MiB = 2 ** 20
const links = { sizeBytes: 256 * MiB, seedUpBitsPerS: 100e6, agentUpBitsPerS: 50e6, agentDownBitsPerS: 200e6 }

describe('lowerBound (T*)', () => {
  it('is the swarm uplink at the default links, and grows towards F/U as N grows', () => {
    const t16 = lowerBound({ ...links, agents: 16 })
    expect(t16.bound).toBe('swarm-uplink')
    expect(t16.seconds).toBeCloseTo((16 * 256 * MiB * 8) / 900e6, 9) // 38.18 s, as bench:swarm
    const t10k = lowerBound({ ...links, agents: 10_000 })
    expect(t10k.seconds).toBeCloseTo((10_000 * 256 * MiB * 8) / (100e6 + 10_000 * 50e6), 9)
    expect(t10k.seconds).toBeLessThan((256 * MiB * 8) / 50e6)
  })

  it('is the seed uplink for one agent, the downlink when downlinks are slow', () => {
    expect(lowerBound({ ...links, agents: 1 })).toMatchObject({ bound: 'seed-uplink', seconds: (256 * MiB * 8) / 100e6 })
    expect(lowerBound({ ...links, agents: 4, agentDownBitsPerS: 10e6 }).bound).toBe('slowest-downlink')
  })

  it('refuses an empty swarm and non-positive rates', () => {
    expect(() => lowerBound({ ...links, agents: 0 })).toThrow(InvalidInputError)
    expect(() => lowerBound({ ...links, agents: 2, agentUpBitsPerS: 0 })).toThrow(/positive/)
  })
})
