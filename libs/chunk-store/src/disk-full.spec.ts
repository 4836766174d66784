import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { StorageError } from '@imgswarm/core'
import { ChunkStore } from './chunk-store.js'
import { DiskFullError } from './errors.js'
import { partialPathFor } from './image-file.js'
import { makeImage, removeDir, runChild, sameBytes, tempDir } from './spec-helpers.js'

const run = promisify(execFile)
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

/** True if this process may mount a tmpfs (root, with mount permitted): the variant is skipped otherwise. */
async function canMountTmpfs(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false
  const dir = await tempDir()
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir])
    await run('umount', [dir])
    return true
  } catch {
    return false
  } finally {
    await removeDir(dir)
  }
}
const tmpfsAvailable = await canMountTmpfs()

interface WriteEvent {
  index?: number
  ok?: boolean
  name?: string
  code?: string
  message?: string
  closed?: boolean
}

describe('a full disk', () => {
  let dir: string

  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    await removeDir(dir)
  })

  it('fails writes past a file size limit (ulimit -f) with a DiskFullError, then completes without it', async () => {
    const size = 4 * 1024 * 1024
    const chunkLength = 65_536
    const image = makeImage(size, chunkLength, 9)
    const dataDir = join(dir, 'data')
    const outPath = join(dir, 'image.img')
    const partialPath = partialPathFor(outPath)

    // The partial file is created (sparse, full size) without a limit: under one, sizing it fails.
    let store = await ChunkStore.open(dataDir)
    await (await store.openDownload(image.cid, image.manifest, partialPath)).close()
    await store.close()

    // 2048 blocks of 512 bytes (POSIX sh) is 1 MiB: a quarter of the image.
    const child = await runChild(
      { mode: 'write-all', dataDir, partialPath, size, chunkLength, seed: 9, flushChunks: 8 },
      { fileSizeLimitBlocks: 2048 },
    )
    expect(child.stderr).toBe('')
    expect(child.code).toBe(0)
    const events = child.lines.map((line) => JSON.parse(line) as WriteEvent)
    expect(events.at(-1)).toEqual({ closed: true })
    const ok = events.filter((e) => e.ok === true).map((e) => e.index as number)
    const failed = events.filter((e) => e.ok === false)
    expect(ok.length).toBeGreaterThan(0)
    expect(failed.length).toBeGreaterThan(0)
    expect(Math.max(...ok)).toBeLessThan(Math.min(...failed.map((e) => e.index as number)))
    for (const e of failed) {
      expect(e.name).toBe('DiskFullError')
      expect(e.code).toBe('ERR_STORAGE')
      expect(e.message).toMatch(
        new RegExp(`^file too large writing ${partialPath} \\(chunk ${e.index} at offset ${e.index! * chunkLength}\\).*ulimit -f`),
      )
    }

    // The fault removed: exactly the chunks written are there, the rest completes.
    store = await ChunkStore.open(dataDir)
    const download = await store.openDownload(image.cid, image.manifest, partialPath)
    expect([...download.verified.indices()]).toEqual(ok)
    for (const index of ok) expect(sameBytes(await download.read(index), image.chunk(index))).toBe(true)
    for (const index of download.verified.missing()) await download.write(index, image.chunk(index))
    await download.finalize(outPath)
    await store.close()
    expect(sha(await readFile(outPath))).toBe(sha(image.bytes))
  })

  ;(tmpfsAvailable ? it : it.skip)('fails writes on a full tmpfs, then completes once it has room', async () => {
    const mnt = join(dir, 'mnt')
    await mkdir(mnt)
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt])
    let store: ChunkStore | undefined
    try {
      const image = makeImage(2 * 1024 * 1024, 65_536, 10)
      const outPath = join(mnt, 'image.img')
      store = await ChunkStore.open(join(dir, 'data')) // metadata on the real disk
      const download = await store.openDownload(image.cid, image.manifest, partialPathFor(outPath))
      let failure: unknown
      for (let index = 0; index < image.manifest.chunks.length && failure === undefined; index++) {
        failure = await download.write(index, image.chunk(index)).catch((e: unknown) => e)
      }
      expect(failure).toBeInstanceOf(DiskFullError)
      expect(failure).toBeInstanceOf(StorageError)
      expect((failure as Error).message).toMatch(/^disk full writing .*mnt\/\.image\.img\.imgswarm-part \(chunk \d+ at offset \d+\)/)
      const failedIndex = Number(/chunk (\d+)/.exec((failure as Error).message)![1])
      expect(download.has(failedIndex)).toBe(false)
      expect(download.verified.count).toBe(failedIndex)

      await run('mount', ['-o', 'remount,size=8m', mnt])
      for (const index of download.verified.missing()) await download.write(index, image.chunk(index))
      await download.finalize(outPath)
      expect(sha(await readFile(outPath))).toBe(sha(image.bytes))
    } finally {
      await store?.close()
      await run('umount', [mnt])
    }
  })
})
