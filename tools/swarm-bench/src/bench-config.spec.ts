import { describe, expect, it } from '@jest/globals'
import { InvalidInputError } from '@imgswarm/core'
import { parseSystems, resolveConfig } from './bench-config.js'

describe('resolveConfig', () => {
  it('defaults to the issue\'s configuration', () => {
    const c = resolveConfig()
    expect(c).toMatchObject({
      agents: 16,
      sizeBytes: 256 * 2 ** 20,
      agentUpBitsPerS: 50e6,
      agentDownBitsPerS: 200e6,
      seedUpBitsPerS: 100e6,
      systems: ['imgswarm', 'bittorrent', 'http'],
      namePrefix: 'isbench-',
      subnet: '10.77',
    })
    // 60 s + three times the central server's N·F/U_seed (343.6 s)
    expect(c.timeoutS).toBeCloseTo(60 + 3 * ((16 * 256 * 2 ** 20 * 8) / 100e6), 6)
  })

  it('refuses bad agent counts and unknown or repeated systems', () => {
    expect(() => resolveConfig({ agents: 0 })).toThrow(InvalidInputError)
    expect(() => resolveConfig({ agents: 2.5 })).toThrow(/whole number/)
    expect(() => resolveConfig({ systems: [] })).toThrow(/at least one/)
    expect(() => resolveConfig({ systems: ['http', 'http'] })).toThrow(/twice/)
  })
})

describe('parseSystems', () => {
  it('reads a comma-separated list in order', () => {
    expect(parseSystems('bittorrent, HTTP')).toEqual(['bittorrent', 'http'])
    expect(() => parseSystems('ipfs')).toThrow(/unknown system "ipfs"/)
    expect(() => parseSystems(',')).toThrow(InvalidInputError)
  })
})
