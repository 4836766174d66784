import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { InvalidInputError, StorageError } from '@imgswarm/core'
import { ChunkStore } from './chunk-store.js'
import { ImageStateError, StoreLockedError } from './errors.js'
import { partialPathFor } from './image-file.js'
import { makeImage, removeDir, tempDir } from './spec-helpers.js'

describe('ChunkStore', () => {
  let dir: string

  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    await removeDir(dir)
  })

  it('creates the data dir and keeps manifests across a reopen', async () => {
    const dataDir = join(dir, 'a', 'b')
    let store = await ChunkStore.open(dataDir)
    await store.putManifest('bafy-one', new Uint8Array([1, 2, 3]))
    await store.putManifest('bafy-two', new Uint8Array([4]))
    await store.close()

    store = await ChunkStore.open(dataDir)
    expect(await store.getManifest('bafy-one')).toEqual(new Uint8Array([1, 2, 3]))
    expect(await store.getManifest('bafy-missing')).toBeUndefined()
    expect(await store.listManifests()).toEqual(['bafy-one', 'bafy-two'])
    await store.close()
  })

  it('gives other components sublevels that persist and do not see the store keys', async () => {
    let store = await ChunkStore.open(dir)
    await store.putManifest('bafy-one', new Uint8Array([1]))
    const agent = store.sublevel<{ active: string }>('agent')
    await agent.put('current', { active: 'bafy-one' })
    await store.close()

    store = await ChunkStore.open(dir)
    const again = store.sublevel<{ active: string }>('agent')
    expect(await again.get('current')).toEqual({ active: 'bafy-one' })
    expect(await again.keys().all()).toEqual(['current'])
    expect(await store.listManifests()).toEqual(['bafy-one'])
    expect(() => store.sublevel('bad name!')).toThrow(InvalidInputError)
    await store.close()
  })

  it('refuses a second store on a data dir that is in use', async () => {
    const store = await ChunkStore.open(dir)
    const err = await ChunkStore.open(dir).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StoreLockedError)
    expect(err).toBeInstanceOf(StorageError)
    expect((err as Error).message).toContain(dir)
    expect((err as Error).message).toMatch(/in use by another/)
    await store.close()
  })

  it('refuses a data dir under a regular file with a StorageError naming the path', async () => {
    const file = join(dir, 'plain-file')
    await writeFile(file, 'x')
    const err = await ChunkStore.open(join(file, 'data')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StorageError)
    expect((err as Error).message).toContain(file)
    expect((err as Error).message).toMatch(/not a directory/)
  })

  it('records images and refuses opening one image twice at once', async () => {
    const image = makeImage(200_000, 65_536)
    const store = await ChunkStore.open(join(dir, 'data'))
    const partial = partialPathFor(join(dir, 'out.img'))
    const download = await store.openDownload(image.cid, image.manifest, partial)
    await expect(store.openDownload(image.cid, image.manifest, partial)).rejects.toBeInstanceOf(ImageStateError)
    expect(await store.listImages()).toEqual([
      expect.objectContaining({ cid: image.cid, state: 'downloading', path: partial, size: 200_000, chunkCount: 4 }),
    ])
    await download.close()
    // closed: may be opened again
    const again = await store.openDownload(image.cid, image.manifest, partial)
    await store.close() // closes `again` too
    await expect(again.read(0)).rejects.toBeInstanceOf(ImageStateError)
    await expect(store.getManifest('x')).rejects.toBeInstanceOf(ImageStateError)
  })

  it('refuses a manifest whose chunks do not tile the image', async () => {
    const image = makeImage(200_000, 65_536)
    const store = await ChunkStore.open(dir)
    const gap = { ...image.manifest, chunks: image.manifest.chunks.map((c, i) => (i === 2 ? { ...c, offset: c.offset + 1 } : c)) }
    await expect(store.openDownload(image.cid, gap, join(dir, 'p'))).rejects.toThrow(/chunk 2 starts at offset 131073/)
    const short = { ...image.manifest, size: image.manifest.size + 1 }
    await expect(store.openSeed(image.cid, short, join(dir, 'p'))).rejects.toBeInstanceOf(InvalidInputError)
    await store.close()
  })
})
