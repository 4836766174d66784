import { describe, expect, it } from '@jest/globals'
import type { SimRow } from './run-simulation.js'
import { resolveConfig } from './sim-config.js'
import { buildReport, formatTable, TABLE_HEADER } from './sim-report.js'

const row = (agents: number, degree: SimRow['degree']): SimRow => ({
  agents,
  degree,
  seedDegree: degree === 'all' ? agents : 32,
  meanDegree: degree === 'all' ? agents - 1 : 31.5,
  tStarS: 42.5,
  tStarBound: 'swarm-uplink',
  lastS: 45.25,
  medianS: 43,
  ratioToTStar: 45.25 / 42.5,
  medianToTStar: 43 / 42.5,
  seedBytes: 1.02 * 256 * 2 ** 20,
  seedBytesPerF: 1.02,
  duplicateChunksPerAgent: 3,
  requestsPerChunk: 2.5,
  busyPerChunk: 1.4,
  timeouts: 0,
  cpuS: 12.34,
  wallS: 12.5,
  events: 1_234_567,
})

describe('sim report', () => {
  const config = resolveConfig({ agentCounts: [16, 1000] })
  const report = buildReport(config, [row(16, 'all'), row(1000, 32)], new Date('2026-11-23T12:00:00Z'))

  it('JSON carries the configuration and one row per swarm size', () => {
    const json = JSON.parse(JSON.stringify(report)) as typeof report
    expect(json).toMatchObject({
      sizeBytes: 256 * 2 ** 20,
      chunkBytes: 256 * 2 ** 10,
      links: { seedUpBitsPerS: 100e6, agentUpBitsPerS: 50e6, agentDownBitsPerS: 200e6 },
      latencyMs: 5,
      randomSeed: 1,
      startedAt: '2026-11-23T12:00:00.000Z',
    })
    expect(json.rows.map((r) => r.agents)).toEqual([16, 1000])
    for (const r of json.rows) {
      for (const key of ['tStarS', 'lastS', 'medianS', 'ratioToTStar', 'seedBytesPerF', 'cpuS', 'events'] as const) expect(typeof r[key]).toBe('number')
    }
  })

  it('prints a header, a rule and one aligned line per size, then the configuration', () => {
    const lines = formatTable(report).split('\n')
    expect(lines[0].split(/\s{2,}/)).toEqual(TABLE_HEADER)
    expect(lines[1]).toMatch(/^-+( +-+)+$/)
    expect(lines[2].trim().split(/\s{2,}/)).toEqual(['16', 'all', '42.50', '45.25', '1.065', '43.00', '1.012', '1.020', '12.3', '1,234,567'])
    expect(lines[3]).toContain('31.5, seed 32')
    expect(lines[2].length).toBe(lines[3].length)
    expect(formatTable(report)).toContain('F = 256 MiB in 256 KiB chunks; agents 50mbit up / 200mbit down, seed 100mbit up')
  })
})
