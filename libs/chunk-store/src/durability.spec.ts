import { createHash } from 'node:crypto'
import { open, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import type { Bitfield } from '@imgswarm/core'
import { StorageError } from '@imgswarm/core'
import { ChunkStore } from './chunk-store.js'
import { ChunkNotAvailableError, DiskFullError } from './errors.js'
import { partialPathFor } from './image-file.js'
import { deferred, makeImage, removeDir, sameBytes, tempDir } from './spec-helpers.js'
import type { ImageFileHandle } from './types.js'

/** A real file handle with a hand on `datasync` and `write`: hold, fail, count. */
class FaultyHandle implements ImageFileHandle {
  datasyncs = 0
  holdDatasync: { entered: () => void; release: Promise<void> } | undefined
  failDatasync: NodeJS.ErrnoException | undefined
  failWrite: NodeJS.ErrnoException | undefined
  failSync: NodeJS.ErrnoException | undefined

  constructor(private readonly fh: ImageFileHandle) {}

  write(buffer: Uint8Array, offset: number, length: number, position: number) {
    if (this.failWrite !== undefined) return Promise.reject(this.failWrite)
    return this.fh.write(buffer, offset, length, position)
  }
  writevs = 0
  /** A gathered write takes at most this many bytes (the kernel may stop short). */
  writevLimit = Infinity
  writev(buffers: Uint8Array[], position: number) {
    this.writevs++
    if (this.failWrite !== undefined) return Promise.reject(this.failWrite)
    const taken: Uint8Array[] = []
    let room = this.writevLimit
    for (const b of buffers) {
      if (room <= 0) break
      taken.push(b.byteLength <= room ? b : b.subarray(0, room))
      room -= b.byteLength
    }
    return this.fh.writev(taken, position)
  }
  read(buffer: Uint8Array, offset: number, length: number, position: number) {
    return this.fh.read(buffer, offset, length, position)
  }
  async datasync(): Promise<void> {
    this.datasyncs++
    const fail = this.failDatasync
    this.failDatasync = undefined
    if (fail !== undefined) throw fail
    const hold = this.holdDatasync
    this.holdDatasync = undefined
    if (hold !== undefined) {
      hold.entered()
      await hold.release
    }
    await this.fh.datasync()
  }
  sync() {
    if (this.failSync !== undefined) return Promise.reject(this.failSync)
    return this.fh.sync()
  }
  stat() {
    return this.fh.stat()
  }
  truncate(length: number) {
    return this.fh.truncate(length)
  }
  close() {
    return this.fh.close()
  }
}

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code })
}

describe('durability of the resume bitfield', () => {
  let dir: string
  let handles: FaultyHandle[]
  let failSyncOfNewHandles: NodeJS.ErrnoException | undefined
  const openFile = async (path: string, flags: string): Promise<ImageFileHandle> => {
    const handle = new FaultyHandle(await open(path, flags))
    handle.failSync = failSyncOfNewHandles
    handles.push(handle)
    return handle
  }
  const image = makeImage(640_000, 65_536) // 10 chunks

  beforeEach(async () => {
    dir = await tempDir()
    handles = []
    failSyncOfNewHandles = undefined
  })
  afterEach(async () => {
    await removeDir(dir)
  })

  it('writes a chunk that arrived in pieces with gathered writes, also when a write stops short', async () => {
    const store = await ChunkStore.open(join(dir, 'data'), { openFile })
    const out = join(dir, 'pieces.img')
    const download = await store.openDownload(image.cid, image.manifest, partialPathFor(out))
    for (const h of handles) h.writevLimit = 10_000 // a 65,536-byte chunk needs at least 7 calls
    for (let index = 0; index < image.manifest.chunks.length; index++) {
      const bytes = image.chunk(index)
      const cuts = [0, 1, 1, 20_000, 20_001, bytes.byteLength] // an empty piece, a 1-byte piece, pieces over the limit
      const pieces = cuts.slice(1).map((end, i) => bytes.subarray(Math.min(cuts[i], bytes.byteLength), Math.min(end, bytes.byteLength)))
      await download.write(index, { byteLength: bytes.byteLength, [Symbol.iterator]: () => pieces[Symbol.iterator]() })
    }
    expect(handles.reduce((n, h) => n + h.writevs, 0)).toBeGreaterThanOrEqual(7 * (image.manifest.chunks.length - 1))
    await download.finalize(out)
    expect(sha(await readFile(out))).toBe(sha(image.bytes))
    await store.close()
  })

  it('persists only chunks whose write finished before the datasync began', async () => {
    const store = await ChunkStore.open(join(dir, 'data'), { openFile, flushChunks: 1000, flushIntervalMs: 3_600_000 })
    const download = await store.openDownload(image.cid, image.manifest, partialPathFor(join(dir, 'image.img')))
    const handle = handles[0]
    await download.write(0, image.chunk(0))
    await download.write(1, image.chunk(1))

    const entered = deferred<void>()
    const release = deferred<void>()
    handle.holdDatasync = { entered: entered.resolve, release: release.promise }
    const flushing = download.flush()
    await entered.promise
    await download.write(2, image.chunk(2)) // lands while the datasync runs
    release.resolve()
    await flushing

    expect([...download.durable.indices()]).toEqual([0, 1])
    expect([...download.verified.indices()]).toEqual([0, 1, 2])
    await download.flush()
    expect([...download.durable.indices()]).toEqual([0, 1, 2])
    expect(handle.datasyncs).toBe(2)
    await download.flush() // nothing new: no datasync
    expect(handle.datasyncs).toBe(2)
    await store.close()
  })

  it('flushes in the background every flushChunks chunks', async () => {
    const dataDir = join(dir, 'data')
    const partial = partialPathFor(join(dir, 'image.img'))
    let store = await ChunkStore.open(dataDir, { openFile, flushChunks: 3, flushIntervalMs: 3_600_000 })
    const flushed: Bitfield[] = []
    let third = deferred<void>()
    const download = await store.openDownload(image.cid, image.manifest, partial, {
      onDurable: (durable) => {
        flushed.push(durable)
        if (durable.count === 3) third.resolve()
      },
    })
    for (const index of [7, 2, 5]) await download.write(index, image.chunk(index))
    await third.promise
    expect([...download.durable.indices()]).toEqual([2, 5, 7])
    third = deferred<void>()
    await download.write(0, image.chunk(0))
    await download.write(1, image.chunk(1))
    expect(download.durable.count).toBe(3) // two more: below flushChunks, not flushed yet
    await store.close() // close flushes
    expect(flushed.map((b) => b.count)).toEqual([3, 5])

    store = await ChunkStore.open(dataDir)
    const again = await store.openDownload(image.cid, image.manifest, partial)
    expect([...again.verified.indices()]).toEqual([0, 1, 2, 5, 7])
    await store.close()
  })

  it('drops chunks a failed datasync did not cover, reports it, and a retry completes', async () => {
    const dataDir = join(dir, 'data')
    const partial = partialPathFor(join(dir, 'image.img'))
    let store = await ChunkStore.open(dataDir, { openFile, flushChunks: 1000, flushIntervalMs: 3_600_000 })
    const download = await store.openDownload(image.cid, image.manifest, partial)
    const handle = handles[0]
    await download.write(0, image.chunk(0))
    await download.flush()
    await download.write(1, image.chunk(1))
    await download.write(2, image.chunk(2))

    handle.failDatasync = errno('EIO')
    const err = await download.flush().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StorageError)
    expect((err as Error).message).toMatch(/I\/O error syncing .*image\.img\.imgswarm-part/)
    expect([...download.verified.indices()]).toEqual([0])
    expect([...download.durable.indices()]).toEqual([0])
    await expect(download.read(1)).rejects.toBeInstanceOf(ChunkNotAvailableError)

    await download.write(1, image.chunk(1))
    await download.write(2, image.chunk(2))
    await download.flush()
    expect([...download.durable.indices()]).toEqual([0, 1, 2])
    await store.close()

    store = await ChunkStore.open(dataDir)
    const again = await store.openDownload(image.cid, image.manifest, partial)
    expect([...again.verified.indices()]).toEqual([0, 1, 2])
    await store.close()
  })

  it('reports a background flush failure through onError and the next write, once', async () => {
    const store = await ChunkStore.open(join(dir, 'data'), { openFile, flushChunks: 2, flushIntervalMs: 3_600_000 })
    const failed = deferred<Error>()
    const download = await store.openDownload(image.cid, image.manifest, partialPathFor(join(dir, 'image.img')), {
      onError: failed.resolve,
    })
    handles[0].failDatasync = errno('ENOSPC')
    await download.write(4, image.chunk(4))
    await download.write(5, image.chunk(5))
    const reported = await failed.promise
    expect(reported).toBeInstanceOf(DiskFullError)
    expect(download.verified.count).toBe(0)
    await expect(download.write(6, image.chunk(6))).rejects.toBe(reported)
    expect(download.has(6)).toBe(false)
    await download.write(6, image.chunk(6))
    expect(download.has(6)).toBe(true)
    await store.close()
  })

  it('never sets the bit of a chunk whose write failed', async () => {
    const store = await ChunkStore.open(join(dir, 'data'), { openFile })
    const partial = partialPathFor(join(dir, 'image.img'))
    const download = await store.openDownload(image.cid, image.manifest, partial)
    handles[0].failWrite = errno('ENOSPC')
    const err = await download.write(1, image.chunk(1)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DiskFullError)
    expect((err as Error).message).toBe(
      `disk full writing ${partial} (chunk 1 at offset 65536): free space on the file system holding ${dir}`,
    )
    expect(download.has(1)).toBe(false)
    handles[0].failWrite = undefined
    await download.write(1, image.chunk(1))
    expect(sameBytes(await download.read(1), image.chunk(1))).toBe(true)
    await store.close()
  })

  it('flushes a lone chunk after flushIntervalMs', async () => {
    const store = await ChunkStore.open(join(dir, 'data'), { flushChunks: 1000, flushIntervalMs: 5 })
    const flushed = deferred<Bitfield>()
    const download = await store.openDownload(image.cid, image.manifest, partialPathFor(join(dir, 'image.img')), {
      onDurable: flushed.resolve,
    })
    await download.write(8, image.chunk(8))
    expect([...(await flushed.promise).indices()]).toEqual([8])
    await store.close()
  })

  it('completes on reopen a finalize that stopped after its rename', async () => {
    const dataDir = join(dir, 'data')
    const outPath = join(dir, 'image.img')
    const partial = partialPathFor(outPath)
    let store = await ChunkStore.open(dataDir, { openFile })
    let download = await store.openDownload(image.cid, image.manifest, partial)
    for (let index = 0; index < 10; index++) await download.write(index, image.chunk(index))
    failSyncOfNewHandles = errno('EIO') // the directory fsync after the rename fails
    const err = await download.finalize(outPath).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StorageError)
    expect((err as Error).message).toMatch(/I\/O error syncing directory/)
    expect(download.finalized).toBe(false)
    await store.close()
    expect(sha(await readFile(outPath))).toBe(sha(image.bytes))
    await expect(stat(partial)).rejects.toMatchObject({ code: 'ENOENT' })

    store = await ChunkStore.open(dataDir)
    download = await store.openDownload(image.cid, image.manifest, partial)
    expect(download.complete && download.finalized).toBe(true)
    expect(download.path).toBe(outPath)
    expect(await store.image(image.cid)).toMatchObject({ state: 'complete', path: outPath })
    expect(sameBytes(await download.read(9), image.chunk(9))).toBe(true)
    await store.close()
  })
})
