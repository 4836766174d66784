import { describe, expect, it } from '@jest/globals'
import { lowerBound } from '@imgswarm/link-units'
import { resolveConfig } from './bench-config.js'
import { buildReport, failedResult, formatTable, systemResult } from './bench-report.js'
import { niceStep, renderCdfSvg } from './cdf-plot.js'

const MiB = 2 ** 20
const config = resolveConfig({ agents: 4, sizeBytes: 64 * MiB, systems: ['imgswarm', 'bittorrent', 'http'] })
const tStar = lowerBound({
  sizeBytes: config.sizeBytes,
  seedUpBitsPerS: config.seedUpBitsPerS,
  agents: Array.from({ length: 4 }, () => ({ upBitsPerS: config.agentUpBitsPerS, downBitsPerS: config.agentDownBitsPerS })),
})
const measured = (completionS: number[], seedBytes: number) =>
  systemResult(
    { completionS, seedBytes, identical: true, mismatched: [], agentUploadBytes: { a01: 1 }, agentDownloadBytes: { a01: 2 } },
    config.sizeBytes,
    tStar.seconds,
  )

describe('the report', () => {
  const report = buildReport(
    config,
    tStar,
    {
      imgswarm: measured([10, 12, 14, 16], 70 * MiB),
      bittorrent: measured([15, 18, 19, 20], 96 * MiB),
      http: failedResult(new Error('curl on a02 failed')),
    },
    new Date('2026-11-23T12:00:00Z'),
  )

  it('has the JSON shape the issue asks for, with derived figures', () => {
    const json = JSON.parse(JSON.stringify(report)) as Record<string, unknown>
    expect(json).toMatchObject({ sizeBytes: 64 * MiB, agents: 4, tStarS: tStar.seconds })
    expect(Object.keys(json.systems as object)).toEqual(['imgswarm', 'bittorrent', 'http'])
    const s = (json.systems as Record<string, Record<string, unknown>>).imgswarm
    expect(s).toMatchObject({ lastS: 16, medianS: 13, seedBytes: 70 * MiB, identical: true })
    expect(s.ratioToTStar).toBeCloseTo(16 / tStar.seconds, 9)
    expect(s.seedBytesPerF).toBeCloseTo(70 / 64, 9)
    expect(report.imgswarmOverBittorrent).toBeCloseTo(16 / 20, 9)
    expect(report.systems.http).toMatchObject({ lastS: null, medianS: null, seedBytes: null, identical: false, error: 'curl on a02 failed' })
  })

  it('prints one row per system, T*, and the imgswarm / BitTorrent ratio', () => {
    const table = formatTable(report)
    expect(table).toMatch(/^imgswarm\s+16\.00\s+13\.00\s/m)
    expect(table).toMatch(/^bittorrent\s+20\.00\s+18\.50\s/m)
    expect(table).toMatch(/^http\s.*FAILED/m)
    expect(table).toContain(`T* = ${tStar.seconds.toFixed(2)} s (swarm uplink`)
    expect(table).toContain('imgswarm / BitTorrent, time to last completion: 0.800')
    expect(table).toContain('http failed: curl on a02 failed')
  })

  it('says which imgswarm CLI ran (compiled or from sources), in the JSON and under the table', () => {
    const cli = { path: '/repo/apps/cli/dist/main.js', mode: 'compiled' as const }
    const withCli = buildReport(config, tStar, { imgswarm: measured([1], 1) }, new Date(), cli)
    expect(withCli.imgswarmCli).toEqual(cli)
    expect(formatTable(withCli)).toContain('imgswarm CLI: compiled (/repo/apps/cli/dist/main.js)')
    expect(formatTable(report)).not.toContain('imgswarm CLI:')
  })

  it('has no ratio when BitTorrent did not run', () => {
    expect(buildReport(config, tStar, { imgswarm: measured([1], 1) }, new Date()).imgswarmOverBittorrent).toBeNull()
  })
})

describe('the CDF chart', () => {
  it('picks readable tick steps', () => {
    expect(niceStep(100)).toBe(20)
    expect(niceStep(38)).toBe(5)
    expect(niceStep(4.2)).toBe(1)
    expect(niceStep(345)).toBe(50)
  })

  it('draws one step line per finished system, a legend, axes with units and T*', () => {
    const svg = renderCdfSvg(
      buildReport(config, tStar, { imgswarm: measured([10, 12, 14, 16], 1), http: failedResult('x'), bittorrent: measured([15, 20], 1) }, new Date()),
    )
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.match(/<path /g)).toHaveLength(2)
    expect(svg).toContain('imgswarm (last 16.0 s)')
    expect(svg).toContain('bittorrent (last 20.0 s)')
    expect(svg).not.toContain('http (last')
    expect(svg).toContain('time since the agents started (seconds)')
    expect(svg).toContain('agents finished (%)')
    expect(svg).toContain(`T* = ${tStar.seconds.toFixed(1)} s`)
    // the imgswarm line climbs in four steps of 25 %
    const path = /<path d="([^"]+)" fill="none" stroke="#1f77b4"/.exec(svg)?.[1] ?? ''
    expect(path.match(/V/g)).toHaveLength(4)
  })
})
