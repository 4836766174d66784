import { describe, expect, it } from '@jest/globals'
import { chunkLengthsFor, runSwarmSize } from './run-simulation.js'
import { resolveConfig } from './sim-config.js'

describe('chunkLengthsFor', () => {
  it('cuts the image into equal chunks with a shorter last one', () => {
    expect(chunkLengthsFor(10, 4)).toEqual([4, 4, 2])
    expect(chunkLengthsFor(8, 4)).toEqual([4, 4])
  })
})

describe('runSwarmSize (the real scheduler, simulated)', () => {
  it('8 agents fetch 8 MiB: all finish, no sooner than T*, the seed sends the image at least once', async () => {
    const config = resolveConfig({ agentCounts: [8], sizeBytes: 8 * 2 ** 20 })
    const r = await runSwarmSize(config, 8)
    expect(r.degree).toBe('all')
    expect(r.meanDegree).toBe(7)
    expect(Number.isFinite(r.lastS)).toBe(true)
    expect(r.ratioToTStar).toBeGreaterThanOrEqual(1)
    expect(r.medianS).toBeLessThanOrEqual(r.lastS)
    expect(r.seedBytesPerF).toBeGreaterThanOrEqual(1)
    expect(r.seedBytes).toBeGreaterThanOrEqual(8 * 2 ** 20)
    expect(r.events).toBeGreaterThan(0)
  })

  it('a bounded random graph gives each agent about the asked sessions and still completes', async () => {
    const config = resolveConfig({ sizeBytes: 4 * 2 ** 20, degree: 6, seedDegree: 4 })
    const r = await runSwarmSize(config, 40)
    expect(r.degree).toBe(6)
    expect(r.seedDegree).toBe(4)
    expect(r.meanDegree).toBeGreaterThan(5)
    expect(r.meanDegree).toBeLessThanOrEqual(6)
    expect(r.ratioToTStar).toBeGreaterThanOrEqual(1)
    expect(r.seedBytesPerF).toBeGreaterThanOrEqual(1)
  })
})
