import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { runBenchmark, workDirFor } from './benchmark.js'
import { resolveConfig } from './bench-config.js'
import type { SystemName } from './system-runner.js'
import { defaultImgswarmCli } from './systems/imgswarm-runner.js'
import { listNamespaces } from './test-network.js'

// The smoke mode (--agents 3 --size 16MiB) end to end: real namespaces, real tc caps, real
// aria2c/opentracker/curl (and imgswarm once its CLI can seed). It needs root and `ip netns`;
// without them it is skipped, and says so.
const canRun = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0
if (!canRun) process.stderr.write('swarm-bench smoke test SKIPPED: it needs root and `ip netns` (network namespaces)\n')

/** imgswarm joins the smoke run as soon as its CLI answers `imgswarm seed --help`. */
function imgswarmCanSeed(): boolean {
  const probe = spawnSync(process.execPath, [defaultImgswarmCli(), 'seed', '--help'], { encoding: 'utf8', timeout: 60_000 })
  return probe.status === 0 && probe.stdout.includes('--data-dir')
}

const PREFIX = 'isbtest-'
const MiB = 2 ** 20

;(canRun ? describe : describe.skip)(`swarm benchmark, smoke mode${canRun ? '' : ' (skipped: needs root and ip netns)'}`, () => {
  it('delivers identical copies with every system, computes T*, reports JSON and leaves nothing behind', async () => {
    const systems: SystemName[] = imgswarmCanSeed() ? ['imgswarm', 'bittorrent', 'http'] : ['bittorrent', 'http']
    const lines: string[] = []
    const init = { agents: 3, sizeBytes: 16 * MiB, systems, namePrefix: PREFIX, timeoutS: 45 }
    const report = await runBenchmark(init, { log: (line) => lines.push(line) })
    const failures = Object.entries(report.systems).filter(([, r]) => r.error !== undefined)
    if (failures.length > 0) process.stderr.write(`${lines.join('\n')}\n`)
    expect(failures).toEqual([])

    // T* = max(F/U_seed, F/D, N·F/(U_seed + ΣU)) = 3·16 MiB·8 / (100 + 3·50) mbit
    const F = 16 * MiB
    expect(report.tStarS).toBeCloseTo(Math.max((F * 8) / 100e6, (F * 8) / 200e6, (3 * F * 8) / 250e6), 9)
    expect(report.tStarS).toBeCloseTo(1.6106, 3)
    expect(report).toMatchObject({ sizeBytes: F, agents: 3 })
    expect(Object.keys(report.systems)).toEqual(systems)

    for (const name of systems) {
      const r = report.systems[name]
      expect(r).toBeDefined()
      if (r === undefined) continue
      expect(r.identical).toBe(true)
      expect(r.completionS).toHaveLength(3)
      expect(typeof r.lastS).toBe('number')
      expect(r.lastS).toBe(Math.max(...r.completionS))
      expect(r.medianS).toBeLessThanOrEqual(r.lastS ?? 0)
      expect(r.ratioToTStar).toBeCloseTo((r.lastS ?? 0) / report.tStarS, 9)
      // the seed's link carried at least one copy; every agent received at least one
      expect(r.seedBytes).toBeGreaterThanOrEqual(F)
      for (const received of Object.values(r.agentDownloadBytes)) expect(received).toBeGreaterThanOrEqual(F)
    }
    // the central server sends every copy itself
    expect(report.systems.http?.seedBytes).toBeGreaterThanOrEqual(3 * F)
    expect(report.systems.http?.seedBytesPerF).toBeLessThan(3.1)
    // BitTorrent agents upload to each other: together they carried a good part of the copies
    const btUploads = Object.values(report.systems.bittorrent?.agentUploadBytes ?? {}).reduce((a, b) => a + b, 0)
    expect(btUploads).toBeGreaterThan(F / 2)

    // torn down: no namespace, no work directory
    expect(listNamespaces(PREFIX)).toEqual([])
    expect(existsSync(workDirFor(resolveConfig(init)))).toBe(false)
  }, 180_000) // typically 20-40 s; the margin is for a loaded shared machine
})
