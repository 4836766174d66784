import { InvalidInputError, MAX_CHUNK_SIZE, MAX_CHUNKS_PER_MANIFEST } from '@imgswarm/core'
import type { ChunkIndex, ChunkRef, ImageManifest } from '@imgswarm/core'

/**
 * Checks that the manifest's chunks tile the image exactly (ascending, contiguous, each within
 * MAX_CHUNK_SIZE, ending at `size`), so no write can land outside the file or overlap another.
 */
export function checkChunkLayout(manifest: ImageManifest): void {
  const { size, chunks } = manifest
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new InvalidInputError(`manifest size must be a non-negative integer, got ${size}`)
  }
  if (chunks.length > MAX_CHUNKS_PER_MANIFEST) {
    throw new InvalidInputError(`manifest has ${chunks.length} chunks, more than ${MAX_CHUNKS_PER_MANIFEST}`)
  }
  let offset = 0
  for (let i = 0; i < chunks.length; i++) {
    const { offset: at, length } = chunks[i]
    if (at !== offset) {
      throw new InvalidInputError(`manifest chunk ${i} starts at offset ${at}, expected ${offset}`)
    }
    if (!Number.isSafeInteger(length) || length <= 0 || length > MAX_CHUNK_SIZE) {
      throw new InvalidInputError(`manifest chunk ${i} has length ${length}, outside 1..${MAX_CHUNK_SIZE}`)
    }
    offset += length
  }
  if (offset !== size) {
    throw new InvalidInputError(`manifest chunks cover ${offset} bytes but the image size is ${size}`)
  }
}

/** The chunk at `index`, or a clear error if the index is not in the manifest. */
export function chunkAt(manifest: ImageManifest, index: ChunkIndex): ChunkRef {
  if (!Number.isInteger(index) || index < 0 || index >= manifest.chunks.length) {
    throw new InvalidInputError(`chunk index ${index} out of range 0..${manifest.chunks.length - 1}`)
  }
  return manifest.chunks[index]
}
