import { truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { StorageError } from '@imgswarm/core'
import { ChunkStore } from './chunk-store.js'
import { ImageSizeMismatchError, ImageStateError } from './errors.js'
import { chunkMatches, makeImage, removeDir, sameBytes, tempDir } from './spec-helpers.js'

describe('ImageSource (a seed)', () => {
  let dir: string
  const image = makeImage(1_234_567, 131_072, 4)

  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    await removeDir(dir)
  })

  it('serves every chunk straight from the source file and is recorded for a restart', async () => {
    const source = join(dir, 'golden.img')
    await writeFile(source, image.bytes)
    let store = await ChunkStore.open(join(dir, 'data'))
    const seed = await store.openSeed(image.cid, image.manifest, source)
    expect(seed.verified.complete).toBe(true)
    expect(seed.has(9)).toBe(true)
    for (let index = 0; index < image.manifest.chunks.length; index++) {
      const bytes = await seed.read(index)
      expect(sameBytes(bytes, image.chunk(index))).toBe(true)
      expect(chunkMatches(image.manifest.chunks[index], bytes)).toBe(true)
    }
    await expect(seed.read(10)).rejects.toThrow(/out of range 0..9/)
    await store.close()
    await expect(seed.read(0)).rejects.toBeInstanceOf(ImageStateError)

    store = await ChunkStore.open(join(dir, 'data'))
    expect(await store.image(image.cid)).toMatchObject({ state: 'complete', origin: 'seed', path: source })
    await store.close()
  })

  it('refuses a file whose size is not the manifest size, and a missing file', async () => {
    const source = join(dir, 'golden.img')
    await writeFile(source, image.bytes)
    await truncate(source, image.manifest.size - 1)
    const store = await ChunkStore.open(join(dir, 'data'))
    const err = await store.openSeed(image.cid, image.manifest, source).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ImageSizeMismatchError)
    expect((err as Error).message).toBe(`${source} is 1234566 bytes but manifest ${image.cid} says 1234567`)

    const missing = join(dir, 'nope.img')
    const e2 = await store.openSeed(image.cid, image.manifest, missing).catch((e: unknown) => e)
    expect(e2).toBeInstanceOf(StorageError)
    expect((e2 as Error).message).toContain(missing)
    expect(await store.image(image.cid)).toBeUndefined()
    await store.close()
  })
})
