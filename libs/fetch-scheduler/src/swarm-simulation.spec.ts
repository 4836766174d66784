import { describe, expect, it } from '@jest/globals'
import { simulateSwarm, type SwarmSimulationInit } from './swarm-simulation.js'

const mbit = 1e6 / 8
// the issue-4 benchmark's shape: agents' uplinks below their downlinks, a faster seed
const bench: Omit<SwarmSimulationInit, 'peers'> = {
  chunkLengths: Array.from({ length: 128 }, () => 256 * 1024),
  seedUpBps: 100 * mbit,
  peerUpBps: 50 * mbit,
  peerDownBps: 200 * mbit,
  latencyMs: 2,
}

// Virtual-time results: deterministic for a given seed, so these bounds are properties of the
// algorithm, not of the machine running the test.
describe('simulateSwarm (the real scheduler on the simulated network)', () => {
  it('the seed policy sends each chunk about once while 16 agents fill their uplinks', async () => {
    const withPolicy = await simulateSwarm({ ...bench, peers: 16 })
    expect(withPolicy.completionMs.every(Number.isFinite)).toBe(true)
    expect(withPolicy.seedCopies).toBeLessThanOrEqual(1.3)
    expect(withPolicy.ratio).toBeLessThan(1.3)
    // the same swarm with a seed that serves whatever it is asked: it uploads much more
    const plain = await simulateSwarm({ ...bench, peers: 16, seedPolicy: 'default' })
    expect(plain.seedCopies).toBeGreaterThan(withPolicy.seedCopies + 0.3)
  })

  it('completes on a sparse random overlay where the seed knows few agents', async () => {
    const r = await simulateSwarm({ ...bench, peers: 60, degree: 8, seedDegree: 10, randomSeed: 3 })
    expect(r.completionMs.every(Number.isFinite)).toBe(true)
    expect(r.ratio).toBeLessThan(1.6)
    expect(r.seedCopies).toBeLessThan(2)
    expect(r.totals.timeouts).toBe(0)
    // each agent holds about `degree` sessions with other agents, never more
    expect(r.meanDegree).toBeGreaterThan(7.5)
    expect(r.meanDegree).toBeLessThanOrEqual(8)
  })

  it('reports the lower bound T* of its configuration', async () => {
    const r = await simulateSwarm({ ...bench, chunkLengths: [1e6, 1e6], peers: 2, seedUpBps: 1e6, peerUpBps: 1e6, peerDownBps: 4e6 })
    // max(F/U_seed = 2 s, F/D = 0.5 s, N·F/(U_seed + ΣU) = 4/3 s)
    expect(r.tStarMs).toBeCloseTo(2000, 6)
    expect(r.fileBytes).toBe(2e6)
    expect(r.lastMs).toBeGreaterThanOrEqual(r.tStarMs)
  })
})
