import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { partialPathFor } from '@imgswarm/chunk-store'
import { join } from 'node:path'
import { CliProcesses, type CliProcess } from './support/cli-process.js'
import { fetchArgs, seedRandomImage, type FetchResult, type RunningSeed } from './support/imgswarm-commands.js'
import { MiB, TempDirs, exists, sha256File } from './support/temp-files.js'

// `imgswarm seed` and `imgswarm fetch` as separate processes, as a user runs them.
const IMAGE_SIZE = 24 * MiB
const TEST_TIMEOUT_MS = 300_000

describe('imgswarm seed + fetch (separate processes)', () => {
  const dirs = new TempDirs()
  const seedProcs = new CliProcesses()
  const procs = new CliProcesses({ env: { IMGSWARM_PROGRESS_INTERVAL_MS: '250' } })
  let root: string
  let imageSha: string
  let seed: RunningSeed

  beforeAll(async () => {
    // Capped, so that two fetchers started together overlap in time and trade chunks.
    ;({ root, imageSha, seed } = await seedRandomImage(dirs, seedProcs, { size: IMAGE_SIZE, extra: ['--upload-rate', '8MiB'] }))
  }, TEST_TIMEOUT_MS)

  afterEach(() => procs.killAll())

  afterAll(async () => {
    await procs.killAll()
    await seedProcs.killAll()
    await dirs.removeAll()
  })

  it(
    'seed --json prints exactly one line {manifest, publisher, addrs} once serving',
    () => {
      const lines = seed.proc.stdoutLines()
      expect(lines).toHaveLength(1)
      const line = JSON.parse(lines[0]) as Record<string, unknown>
      expect(Object.keys(line).sort()).toEqual(['addrs', 'manifest', 'publisher'])
      expect(seed.line.manifest).toMatch(/^bafyrei[a-z2-7]+$/)
      expect(seed.line.publisher).toMatch(/^z6Mk[1-9A-HJ-NP-Za-km-z]+$/)
      expect(seed.line.addrs.length).toBeGreaterThan(0)
      for (const addr of seed.line.addrs) expect(addr).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3KooW/)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'fetch --json writes a byte-identical file, reports its counters, and a second run fetches nothing',
    async () => {
      const out = join(root, 'happy.img')
      const dataDir = join(root, 'happy-agent')
      const first = await procs.run(fetchArgs(seed.line, { out, dataDir, extra: ['--json'] }))
      expectExit(first, 0)
      expect(await sha256File(out)).toBe(imageSha)
      expect(await exists(partialPathFor(out))).toBe(false)
      const stats = first.lastJson<FetchResult>()
      expect(stats).toMatchObject({ manifest: seed.line.manifest, out, bytesTotal: IMAGE_SIZE, chunksAlreadyHad: 0 })
      expect(stats.chunksTotal).toBeGreaterThan(IMAGE_SIZE / (1024 * 1024)) // ~256 KiB average chunks
      expect(stats.chunksFetched).toBe(stats.chunksTotal)
      expect(stats.bytesFromSeeds + stats.bytesFromPeers).toBeGreaterThanOrEqual(IMAGE_SIZE)
      expect(stats.chunksRejected).toBe(0)
      // logs go to stderr, so stdout is that one JSON line
      expect(first.stdoutLines()).toHaveLength(1)

      const again = await procs.run(fetchArgs(seed.line, { out, dataDir, extra: ['--json'] }))
      expectExit(again, 0)
      const second = again.lastJson<FetchResult>()
      expect(second).toMatchObject({ chunksFetched: 0, chunksAlreadyHad: stats.chunksTotal, bytesDownloaded: 0 })
      expect(await sha256File(out)).toBe(imageSha)
      expect(await exists(partialPathFor(out))).toBe(false)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'two fetchers given only the seed address trade chunks with each other (peer exchange across processes)',
    async () => {
      // Each lingers until told to stop, so the first to finish keeps serving the other however
      // far apart they started; both are stopped (SIGTERM: print the counters, exit 0) once
      // both have finished.
      const agents = ['a', 'b'].map((name) => {
        const out = join(root, `pex-${name}.img`)
        const args = fetchArgs(seed.line, {
          out,
          dataDir: join(root, `pex-${name}`),
          extra: ['--json', '--linger', '600', '--log-format', 'json'],
        })
        return { out, proc: procs.spawn(args) }
      })
      for (const { proc } of agents) {
        await proc.waitFor('the fetch to finish and linger', () => (/lingering \d+s/.test(proc.stderr) ? true : undefined))
      }
      const results: FetchResult[] = []
      for (const { proc, out } of agents) {
        proc.child.kill('SIGTERM')
        await proc.waitForExit()
        expectExit(proc, 0)
        expect(await sha256File(out)).toBe(imageSha)
        results.push(proc.lastJson<FetchResult>())
      }
      for (const r of results) {
        expect(r.chunksFetched).toBe(r.chunksTotal)
        expect(r.bytesFromSeeds + r.bytesFromPeers).toBeGreaterThanOrEqual(IMAGE_SIZE)
      }
      // At least one got chunks from the other agent, which it only learnt of through the seed;
      // and what one received from a peer, the other uploaded.
      expect(Math.max(...results.map((r) => r.bytesFromPeers))).toBeGreaterThan(0)
      expect(results[0].bytesUploaded + results[1].bytesUploaded).toBeGreaterThanOrEqual(
        results[0].bytesFromPeers + results[1].bytesFromPeers,
      )
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'the seed stops cleanly on SIGTERM, with nothing more on stdout',
    async () => {
      const exit = await seed.proc.stop('SIGTERM')
      expect(exit).toEqual({ code: 0, signal: null })
      expect(seed.proc.stdoutLines()).toHaveLength(1)
    },
    TEST_TIMEOUT_MS,
  )
})

function expectExit(proc: CliProcess, code: number): void {
  if (proc.running || proc.child.exitCode !== code) throw new Error(`expected exit ${code}\n${proc.describe()}`)
}
