import { open } from 'node:fs/promises'
import type { ChunkIndex, ImageManifest } from '@imgswarm/core'
import { checkChunkLayout } from './chunk-layout.js'
import { storageError } from './fs-errors.js'
import { readFully } from './image-file.js'
import type { FileVerification, VerifyChunkFn } from './types.js'

/**
 * Reads a whole image file chunk by chunk and checks each with `verify` (injected, so this
 * library needs no hashing of its own). The next chunk is read while the current one is checked;
 * at most two chunks are in memory, whatever the image size.
 */
export async function verifyFile(path: string, manifest: ImageManifest, verify: VerifyChunkFn): Promise<FileVerification> {
  checkChunkLayout(manifest)
  let fh
  try {
    fh = await open(path, 'r')
  } catch (err) {
    throw storageError(err, `opening ${path} to verify it`, path)
  }
  try {
    const { size } = await fh.stat()
    if (size !== manifest.size) return { ok: false, size, badChunks: [] }
    const badChunks: ChunkIndex[] = []
    const readChunk = async (index: ChunkIndex): Promise<Uint8Array> => {
      const ref = manifest.chunks[index]
      try {
        return await readFully(fh, ref.length, ref.offset)
      } catch (err) {
        throw storageError(err, `reading ${path} (chunk ${index} at offset ${ref.offset})`, path)
      }
    }
    let next = manifest.chunks.length > 0 ? readChunk(0) : undefined
    for (let index = 0; next !== undefined; index++) {
      const bytes = await next
      next = index + 1 < manifest.chunks.length ? readChunk(index + 1) : undefined
      // A rejected prefetch is awaited on the next turn; until then keep it from counting as unhandled.
      next?.catch(() => undefined)
      if (!(await verify(manifest.chunks[index], bytes, index))) badChunks.push(index)
    }
    return { ok: badChunks.length === 0, size, badChunks }
  } finally {
    await fh.close()
  }
}
