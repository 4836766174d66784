import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { partialPathFor } from '@imgswarm/chunk-store'
import { join } from 'node:path'
import { CliProcesses } from './support/cli-process.js'
import {
  durableChunkCount,
  fetchArgs,
  progressPercent,
  seedRandomImage,
  type FetchResult,
  type RunningSeed,
} from './support/imgswarm-commands.js'
import { MiB, TempDirs, exists, sha256File } from './support/temp-files.js'

// Issue 2, "what a user can do" 4: kill `imgswarm fetch` with SIGKILL at any moment and start it
// again: it resumes, fetching no chunk it had already verified, and ends with the same file.
const IMAGE_SIZE = 48 * MiB
/** The seed's cap: 48 MiB takes about 8 s, so the fetch is reliably killed mid-transfer. */
const SEED_RATE = '6MiB'
/** Kill once the fetch has logged at least this much progress. */
const KILL_AT_PERCENT = 20
/**
 * If nothing was durable yet at the kill (the store makes chunks durable every
 * DEFAULT_FLUSH_CHUNKS chunks or DEFAULT_FLUSH_INTERVAL_MS), kill again a little further on.
 */
const MAX_KILLS = 3
const TEST_TIMEOUT_MS = 300_000

describe('imgswarm fetch killed with SIGKILL and started again', () => {
  const dirs = new TempDirs()
  const seedProcs = new CliProcesses()
  const procs = new CliProcesses({ env: { IMGSWARM_PROGRESS_INTERVAL_MS: '200' } })
  let root: string
  let imageSha: string
  let seed: RunningSeed

  beforeAll(async () => {
    ;({ root, imageSha, seed } = await seedRandomImage(dirs, seedProcs, { size: IMAGE_SIZE, extra: ['--upload-rate', SEED_RATE] }))
  }, TEST_TIMEOUT_MS)

  afterEach(() => procs.killAll())

  afterAll(async () => {
    await procs.killAll()
    await seedProcs.killAll()
    await dirs.removeAll()
  })

  it(
    'resumes from its durable state, re-fetching no chunk it had recorded as verified',
    async () => {
      const out = join(root, 'resumed.img')
      const dataDir = join(root, 'agent')
      const args = fetchArgs(seed.line, { out, dataDir, extra: ['--json', '--log-format', 'json'] })

      let durable = 0
      let killAt = KILL_AT_PERCENT
      for (let kill = 1; kill <= MAX_KILLS && durable === 0; kill++, killAt += 15) {
        const fetch = procs.spawn(args)
        await fetch.waitFor(`progress >= ${killAt}%`, () => (progressPercent(fetch.stderr) >= killAt ? true : undefined))
        expect(await fetch.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' })
        expect(fetch.stdout).toBe('') // killed before its final line
        expect(await exists(out)).toBe(false)
        expect(await exists(partialPathFor(out))).toBe(true)
        durable = await durableChunkCount(dataDir, seed.line, out)
      }
      expect(durable).toBeGreaterThan(0)

      const resumed = procs.spawn(args)
      await resumed.waitForExit()
      if (resumed.child.exitCode !== 0) throw new Error(`the resumed fetch failed\n${resumed.describe()}`)
      expect(await sha256File(out)).toBe(imageSha)
      expect(await exists(partialPathFor(out))).toBe(false)

      const stats = resumed.lastJson<FetchResult>()
      expect(durable).toBeLessThan(stats.chunksTotal) // the kill really came mid-transfer
      expect(stats.chunksAlreadyHad).toBe(durable)
      // every chunk it had not recorded, and none that it had
      expect(stats.chunksFetched).toBe(stats.chunksTotal - stats.chunksAlreadyHad)
      expect(stats.chunksRejected).toBe(0)
      expect(stats.duplicateChunks).toBeLessThanOrEqual(Math.ceil(stats.chunksTotal / 20))
    },
    TEST_TIMEOUT_MS,
  )
})
