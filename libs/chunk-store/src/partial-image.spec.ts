import { createHash } from 'node:crypto'
import { mkdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { InvalidInputError, StorageError } from '@imgswarm/core'
import { ChunkStore } from './chunk-store.js'
import { ChunkLengthError, ChunkNotAvailableError, ImageStateError } from './errors.js'
import { partialPathFor } from './image-file.js'
import { makeImage, removeDir, sameBytes, shuffled, tempDir } from './spec-helpers.js'

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

describe('ImageDownload', () => {
  let dir: string
  let dataDir: string
  let outPath: string
  let partial: string

  beforeEach(async () => {
    dir = await tempDir()
    dataDir = join(dir, 'data')
    outPath = join(dir, 'out', 'image.img')
    partial = partialPathFor(outPath)
    await mkdir(join(dir, 'out'))
  })
  afterEach(async () => {
    await removeDir(dir)
  })

  it('writes out of order, resumes after a reopen, and finalizes to an identical file', async () => {
    const image = makeImage(1_000_000, 65_536) // 16 chunks, the last one shorter
    const order = shuffled(image.manifest.chunks.length)
    const firstHalf = order.slice(0, 8)

    let store = await ChunkStore.open(dataDir)
    let download = await store.openDownload(image.cid, image.manifest, partial)
    expect((await stat(partial)).size).toBe(image.manifest.size)
    for (const index of firstHalf) await download.write(index, image.chunk(index))
    expect(download.verified.count).toBe(8)
    await download.flush()
    expect(download.durable.count).toBe(8)
    await store.close()

    store = await ChunkStore.open(dataDir)
    download = await store.openDownload(image.cid, image.manifest, partial)
    expect([...download.verified.indices()].sort((a, b) => a - b)).toEqual([...firstHalf].sort((a, b) => a - b))
    for (const index of firstHalf) expect(sameBytes(await download.read(index), image.chunk(index))).toBe(true)
    expect(download.complete).toBe(false)
    await expect(download.finalize(outPath)).rejects.toThrow(/not complete: 8 of 16 chunks/)

    for (const index of order.slice(8)) await download.write(index, image.chunk(index))
    expect(download.complete).toBe(true)
    await download.finalize(outPath)
    expect(download.finalized).toBe(true)
    expect(download.path).toBe(outPath)
    expect(sha(await readFile(outPath))).toBe(sha(image.bytes))
    await expect(stat(partial)).rejects.toMatchObject({ code: 'ENOENT' })
    // still serving after the rename, through the same handle
    expect(sameBytes(await download.read(15), image.chunk(15))).toBe(true)
    await expect(download.write(0, image.chunk(0))).rejects.toBeInstanceOf(ImageStateError)
    expect(await store.image(image.cid)).toMatchObject({ state: 'complete', path: outPath, partialPath: partial })
    await store.close()

    // reopening the same download finds it complete at its output
    store = await ChunkStore.open(dataDir)
    download = await store.openDownload(image.cid, image.manifest, partial)
    expect(download.complete && download.finalized).toBe(true)
    await download.finalize(outPath) // no-op
    expect(sameBytes(await download.read(3), image.chunk(3))).toBe(true)
    await expect(stat(partial)).rejects.toMatchObject({ code: 'ENOENT' })
    await store.close()
  })

  it('does not rewrite a chunk already verified, and counts each chunk once', async () => {
    const image = makeImage(300_000, 65_536)
    const store = await ChunkStore.open(dataDir)
    const download = await store.openDownload(image.cid, image.manifest, partial)
    await Promise.all([download.write(1, image.chunk(1)), download.write(1, image.chunk(1))])
    await download.write(1, image.chunk(1))
    expect(download.verified.count).toBe(1)
    await store.close()
  })

  it('resets the bitfield when the partial file is gone', async () => {
    const image = makeImage(500_000, 65_536)
    let store = await ChunkStore.open(dataDir)
    let download = await store.openDownload(image.cid, image.manifest, partial)
    for (const index of [0, 3, 5]) await download.write(index, image.chunk(index))
    await store.close() // flushes

    await rm(partial)
    store = await ChunkStore.open(dataDir)
    download = await store.openDownload(image.cid, image.manifest, partial)
    expect(download.verified.count).toBe(0)
    expect(download.durable.count).toBe(0)
    await expect(download.read(0)).rejects.toBeInstanceOf(ChunkNotAvailableError)
    expect((await stat(partial)).size).toBe(image.manifest.size)
    await store.close()

    // and the reset is persisted: a third open does not resurrect the old bits
    store = await ChunkStore.open(dataDir)
    download = await store.openDownload(image.cid, image.manifest, partial)
    expect(download.verified.count).toBe(0)
    await store.close()
  })

  it('resets the bitfield when the partial file has the wrong size or was replaced', async () => {
    const image = makeImage(500_000, 65_536)
    let store = await ChunkStore.open(dataDir)
    let download = await store.openDownload(image.cid, image.manifest, partial)
    await download.write(2, image.chunk(2))
    await store.close()

    await truncate(partial, 1000)
    store = await ChunkStore.open(dataDir)
    download = await store.openDownload(image.cid, image.manifest, partial)
    expect(download.verified.count).toBe(0)
    await download.write(4, image.chunk(4))
    await store.close()

    // same size, but another file (another inode): its bytes are not ours
    await rm(partial)
    await writeFile(partial, Buffer.alloc(image.manifest.size))
    store = await ChunkStore.open(dataDir)
    download = await store.openDownload(image.cid, image.manifest, partial)
    expect(download.verified.count).toBe(0)
    await store.close()
  })

  it('carries progress over to a new partial path of the same image', async () => {
    const image = makeImage(300_000, 65_536)
    let store = await ChunkStore.open(dataDir)
    let download = await store.openDownload(image.cid, image.manifest, partial)
    await download.write(1, image.chunk(1))
    await store.close()

    const otherOut = join(dir, 'out', 'other.img')
    store = await ChunkStore.open(dataDir)
    download = await store.openDownload(image.cid, image.manifest, partialPathFor(otherOut))
    expect([...download.verified.indices()]).toEqual([1])
    expect(sameBytes(await download.read(1), image.chunk(1))).toBe(true)
    await expect(stat(partial)).rejects.toMatchObject({ code: 'ENOENT' })
    await store.close()
  })

  it('refuses a write of the wrong length, a bad index, and a read of an unverified chunk', async () => {
    const image = makeImage(300_000, 65_536)
    const store = await ChunkStore.open(dataDir)
    const download = await store.openDownload(image.cid, image.manifest, partial)
    await expect(download.write(0, image.chunk(0).subarray(1))).rejects.toBeInstanceOf(ChunkLengthError)
    await expect(download.write(4, image.chunk(3))).rejects.toThrow(/chunk 4 .* is 37856 bytes long, got 65536/)
    await expect(download.write(5, image.chunk(4))).rejects.toBeInstanceOf(InvalidInputError)
    await expect(download.write(-1, image.chunk(0))).rejects.toThrow(/out of range 0..4/)
    expect(download.verified.count).toBe(0)
    await expect(download.read(2)).rejects.toThrow(/chunk 2 of image .* is not verified/)
    await store.close()
  })

  it('gives a StorageError naming the path for an output dir that is a file or missing', async () => {
    const image = makeImage(100_000, 65_536)
    const store = await ChunkStore.open(dataDir)
    const file = join(dir, 'a-file')
    await writeFile(file, 'x')

    const underFile = partialPathFor(join(file, 'image.img'))
    const e1 = await store.openDownload(image.cid, image.manifest, underFile).catch((e: unknown) => e)
    expect(e1).toBeInstanceOf(StorageError)
    expect((e1 as Error).message).toContain(underFile)
    expect((e1 as Error).message).toMatch(/not a directory/)

    const missing = partialPathFor(join(dir, 'no', 'such', 'dir', 'image.img'))
    const e2 = await store.openDownload(image.cid, image.manifest, missing).catch((e: unknown) => e)
    expect(e2).toBeInstanceOf(StorageError)
    expect((e2 as Error).message).toMatch(/no such file or directory .*create .*no\/such\/dir first/)

    // the failed opens left nothing open: the image can be opened at a good path now
    const download = await store.openDownload(image.cid, image.manifest, partial)
    await download.write(0, image.chunk(0))
    await download.write(1, image.chunk(1))
    // finalize to an output under a missing dir: refused, still writable, then finalizes fine
    const e3 = await download.finalize(join(dir, 'gone', 'image.img')).catch((e: unknown) => e)
    expect(e3).toBeInstanceOf(StorageError)
    expect((e3 as Error).message).toMatch(/moving .* to .*gone\/image.img/)
    expect(download.finalized).toBe(false)
    await download.finalize(outPath)
    expect(sha(await readFile(outPath))).toBe(sha(image.bytes))
    await store.close()
  })
})
