import { createCipheriv } from 'node:crypto'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { InvalidInputError, StorageError, type ChunkRef } from '@imgswarm/core'
import { chunkFile } from './chunk-file.js'
import { chunkBytes } from './chunker.js'
import { InvalidChunkingParamsError } from './errors.js'

const MiB = 1024 * 1024
const SMALL = { minSize: 4096, avgSize: 16384, maxSize: 65536 }

function pseudoRandom(size: number, seed: number): Buffer {
  const key = Buffer.alloc(16)
  key.writeUInt32BE(seed)
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size))
}

const plain = (chunks: ChunkRef[]): [string, number, number][] =>
  chunks.map((c) => [c.cid.toString(), c.offset, c.length])

describe('chunkFile', () => {
  let dir: string
  let data: Buffer
  let path: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imgswarm-chunker-'))
    // random bytes with a run of zeros in the middle (max-size chunks that span read blocks)
    data = Buffer.concat([pseudoRandom(9 * MiB, 11), Buffer.alloc(3 * MiB), pseudoRandom(5 * MiB + 333, 12)])
    path = join(dir, 'image.bin')
    await writeFile(path, data)
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('cuts a real file exactly as chunkBytes cuts the same bytes', async () => {
    const progress: number[] = []
    const chunks = await chunkFile(path, {}, { onProgress: (bytes) => progress.push(bytes) })
    expect(plain(chunks)).toEqual(plain(chunkBytes(data)))
    expect(chunks.length).toBeGreaterThan(40)
    expect(progress.at(-1)).toBe(data.length)
    expect(progress).toEqual([...progress].sort((a, b) => a - b))
  })

  it('agrees with chunkBytes across many small read blocks, small chunks and two hash workers', async () => {
    const expected = plain(chunkBytes(data, SMALL))
    expect(expected.length).toBeGreaterThan(500)
    const blocks = [65536, 65536 + 4097, 1_000_003]
    for (const readBlockSize of blocks) {
      expect(plain(await chunkFile(path, SMALL, { readBlockSize, hashWorkers: 2 }))).toEqual(expected)
    }
    // read blocks smaller than maxSize: a chunk spans several blocks
    expect(plain(await chunkFile(path, {}, { readBlockSize: 65536 }))).toEqual(plain(chunkBytes(data)))
  })

  it('handles an empty file, a file below minSize and one of exactly one read block', async () => {
    const empty = join(dir, 'empty.bin')
    await writeFile(empty, '')
    expect(await chunkFile(empty)).toEqual([])
    const tiny = join(dir, 'tiny.bin')
    await writeFile(tiny, data.subarray(0, 5000))
    expect(plain(await chunkFile(tiny))).toEqual(plain(chunkBytes(data.subarray(0, 5000))))
    const block = join(dir, 'block.bin')
    await writeFile(block, data.subarray(0, 131072))
    expect(plain(await chunkFile(block, SMALL, { readBlockSize: 65536 }))).toEqual(
      plain(chunkBytes(data.subarray(0, 131072), SMALL)),
    )
  })

  it('gives a clear error for a missing file, a directory and bad options', async () => {
    const missing = join(dir, 'no-such-image.bin')
    await expect(chunkFile(missing)).rejects.toThrow(InvalidInputError)
    await expect(chunkFile(missing)).rejects.toThrow(`input file ${missing} does not exist`)
    await expect(chunkFile(dir)).rejects.toThrow(`input ${dir} is not a regular file`)
    // parameters are checked before the file is opened
    await expect(chunkFile(missing, { avgSize: 3000 })).rejects.toThrow(InvalidChunkingParamsError)
    await expect(chunkFile(path, {}, { readBlockSize: 100 })).rejects.toThrow(/readBlockSize/)
    await expect(chunkFile(path, {}, { hashWorkers: 0 })).rejects.toThrow(/hashWorkers/)
  })

  it('gives a StorageError naming the file when a read fails (EIO)', async () => {
    // /proc/self/mem is a regular file whose first page is never mapped: reading it gives EIO
    await expect(chunkFile('/proc/self/mem')).rejects.toThrow(StorageError)
    await expect(chunkFile('/proc/self/mem')).rejects.toThrow('cannot read input file /proc/self/mem: EIO')
  })

  const asRoot = process.getuid?.() === 0
  ;(asRoot ? it.skip : it)('gives a StorageError for a file it may not read', async () => {
    const locked = join(dir, 'locked.bin')
    await writeFile(locked, 'secret')
    await chmod(locked, 0)
    await expect(chunkFile(locked)).rejects.toThrow(StorageError)
    await expect(chunkFile(locked)).rejects.toThrow(`cannot read input file ${locked}: permission denied`)
  })

  it('stops when its signal is aborted, before or during the work', async () => {
    await expect(chunkFile(path, {}, { signal: AbortSignal.abort() })).rejects.toThrow(/abort/i)
    const controller = new AbortController()
    const seen: number[] = []
    const run = chunkFile(path, SMALL, {
      readBlockSize: 65536,
      signal: controller.signal,
      onProgress: (bytes) => {
        seen.push(bytes)
        if (bytes >= 2 * MiB) controller.abort()
      },
    })
    await expect(run).rejects.toThrow(/abort/i)
    expect(seen.at(-1)).toBeLessThan(data.length)
  })
})
