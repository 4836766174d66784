import { describe, expect, it } from '@jest/globals'
import { InvalidInputError } from '@imgswarm/core'
import { DEFAULT_AGENT_COUNTS, DEFAULT_DEGREE, DEFAULT_SEED_DEGREE, FULL_MESH_MAX_AGENTS } from './constants.js'
import { parseAgentCounts, resolveConfig, topologyFor } from './sim-config.js'

describe('parseAgentCounts', () => {
  it('reads a comma-separated list of swarm sizes, with k for thousands', () => {
    expect(parseAgentCounts('16,32, 100,1000,10000')).toEqual([16, 32, 100, 1000, 10000])
    expect(parseAgentCounts('10k,1_000')).toEqual([10000, 1000])
  })

  it('refuses sizes that are not whole, positive numbers, naming the bad part', () => {
    expect(() => parseAgentCounts('16,abc')).toThrow(/"abc"/)
    expect(() => parseAgentCounts('0')).toThrow(InvalidInputError)
    expect(() => parseAgentCounts('1.5')).toThrow(/"1.5"/)
    expect(() => parseAgentCounts(' , ')).toThrow(/no swarm size/)
    expect(() => parseAgentCounts('1000000')).toThrow(/from 1 to/)
  })
})

describe('resolveConfig', () => {
  it('defaults to the issue-4 links', () => {
    const c = resolveConfig()
    expect(c.agentCounts).toEqual([...DEFAULT_AGENT_COUNTS])
    expect(c.sizeBytes).toBe(256 * 2 ** 20)
    expect([c.agentUpBitsPerS, c.agentDownBitsPerS, c.seedUpBitsPerS]).toEqual([50e6, 200e6, 100e6])
  })

  it('names the option that is out of range', () => {
    expect(() => resolveConfig({ agentCounts: [] })).toThrow(/--agents/)
    expect(() => resolveConfig({ degree: 0 })).toThrow(/--degree/)
    expect(() => resolveConfig({ latencyMs: -1 })).toThrow(/--latency-ms/)
    expect(() => resolveConfig({ sizeBytes: 1000, chunkBytes: 2000 })).toThrow(/--chunk/)
    expect(() => resolveConfig({ seedUpBitsPerS: 0 })).toThrow(/--seed-up/)
  })
})

describe('topologyFor', () => {
  it('is everyone with everyone up to the full-mesh limit, bounded beyond', () => {
    const c = resolveConfig()
    expect(topologyFor(c, FULL_MESH_MAX_AGENTS)).toEqual({ degree: undefined, seedDegree: FULL_MESH_MAX_AGENTS })
    expect(topologyFor(c, 10_000)).toEqual({ degree: DEFAULT_DEGREE, seedDegree: DEFAULT_SEED_DEGREE })
  })

  it('takes an explicit degree, and a degree that covers everyone is a full mesh', () => {
    expect(topologyFor(resolveConfig({ degree: 8 }), 60)).toEqual({ degree: 8, seedDegree: DEFAULT_SEED_DEGREE })
    expect(topologyFor(resolveConfig({ degree: 40 }), 16)).toEqual({ degree: undefined, seedDegree: 16 })
    expect(topologyFor(resolveConfig({ degree: 8, seedDegree: 100 }), 60)).toEqual({ degree: 8, seedDegree: 60 })
  })
})
