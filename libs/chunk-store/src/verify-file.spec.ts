import { open, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { StorageError } from '@imgswarm/core'
import { chunkMatches, makeImage, removeDir, tempDir } from './spec-helpers.js'
import { verifyFile } from './verify-file.js'

describe('verifyFile', () => {
  let dir: string
  const image = makeImage(700_000, 65_536, 6) // 11 chunks

  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    await removeDir(dir)
  })

  it('accepts an intact file and names the chunks that were changed', async () => {
    const path = join(dir, 'image.img')
    await writeFile(path, image.bytes)
    expect(await verifyFile(path, image.manifest, chunkMatches)).toEqual({ ok: true, size: 700_000, badChunks: [] })

    const fh = await open(path, 'r+')
    await fh.write(new Uint8Array([0xff ^ image.bytes[65_536 * 3 + 7]]), 0, 1, 65_536 * 3 + 7)
    await fh.write(new Uint8Array([0xff ^ image.bytes[699_999]]), 0, 1, 699_999)
    await fh.close()
    expect(await verifyFile(path, image.manifest, chunkMatches)).toEqual({ ok: false, size: 700_000, badChunks: [3, 10] })
  })

  it('reports a wrong size without checking chunks, and a missing file as a StorageError', async () => {
    const path = join(dir, 'short.img')
    await writeFile(path, image.bytes.subarray(0, 1000))
    let calls = 0
    const result = await verifyFile(path, image.manifest, () => {
      calls++
      return true
    })
    expect(result).toEqual({ ok: false, size: 1000, badChunks: [] })
    expect(calls).toBe(0)
    await expect(verifyFile(join(dir, 'missing.img'), image.manifest, chunkMatches)).rejects.toBeInstanceOf(StorageError)
  })
})
