import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { ChunkStore } from './chunk-store.js'
import { partialPathFor } from './image-file.js'
import { chunkMatches, makeImage, removeDir, runChild, tempDir } from './spec-helpers.js'
import { verifyFile } from './verify-file.js'

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

describe('crash consistency (a real child process, SIGKILLed while writing)', () => {
  let dir: string

  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    await removeDir(dir)
  })

  it.each([12, 60])('resumes with only correct chunks after a kill past %i durable chunks', async (killAfter) => {
    const size = 16 * 1024 * 1024 + 12_345
    const chunkLength = 65_536
    const image = makeImage(size, chunkLength, 5)
    const dataDir = join(dir, 'data')
    const outPath = join(dir, 'image.img')
    const partialPath = partialPathFor(outPath)

    let durableAtKill = 0
    let writtenAtKill = 0
    let durable = 0
    let written = 0
    let waiting = false
    let killed = false
    const run = await runChild(
      { mode: 'crash', dataDir, partialPath, size, chunkLength, seed: 5, flushChunks: 5 },
      {
        onLine: (line, kill) => {
          const event = JSON.parse(line) as { durable?: number; written?: number; waiting?: boolean }
          if (event.durable !== undefined) durable = event.durable
          if (event.written !== undefined) written = event.written
          if (event.waiting === true) waiting = true
          // Kill with unflushed chunks outstanding if the flushes keep up; durable lags the writes,
          // so the child may have written everything first: then kill once enough is durable.
          if (!killed && durable >= killAfter && (written >= durable + 2 || waiting)) {
            killed = true
            durableAtKill = durable
            writtenAtKill = written
            kill()
          }
        },
      },
    )
    expect(run.stderr).toBe('')
    expect(run.signal).toBe('SIGKILL')
    expect(durableAtKill).toBeGreaterThanOrEqual(killAfter)
    expect(writtenAtKill).toBeGreaterThan(durableAtKill) // killed with written chunks not yet flushed

    const store = await ChunkStore.open(dataDir)
    const download = await store.openDownload(image.cid, image.manifest, partialPath)
    const resumed = [...download.verified.indices()]
    // Nothing persisted is lost, nothing is claimed that was not written.
    expect(resumed.length).toBeGreaterThanOrEqual(durableAtKill)
    expect(resumed.length).toBeLessThanOrEqual(image.manifest.chunks.length)
    // Every chunk the resume state claims has correct bytes in the partial file.
    for (const index of resumed) expect(chunkMatches(image.manifest.chunks[index], await download.read(index))).toBe(true)
    const check = await verifyFile(partialPath, image.manifest, chunkMatches)
    expect(check.badChunks.filter((index) => download.has(index))).toEqual([])

    let fetched = 0
    for (let index = 0; index < image.manifest.chunks.length; index++) {
      if (download.has(index)) continue
      await download.write(index, image.chunk(index))
      fetched++
    }
    expect(fetched).toBe(image.manifest.chunks.length - resumed.length)
    await download.finalize(outPath)
    await store.close()
    expect(sha(await readFile(outPath))).toBe(sha(image.bytes))
  })
})
