/**
 * @packageDocumentation
 * Content-defined chunking of images: FastCDC with a gear hash and normalized chunking (average
 * near 256 KiB, bounded by min and max sizes), each chunk named by a CIDv1 (`raw`, sha2-256).
 * Identical content gives identical chunks, so unchanged regions between image versions and
 * long runs of zeros dedupe by themselves. `chunkFile` streams a file through a wasm boundary
 * scan and worker-thread hashing; `verifyChunk` is what every downloaded chunk goes through.
 */
export {
  DEFAULT_CHUNKING,
  CHUNKING_ALGORITHM,
  DEFAULT_READ_BLOCK_SIZE,
  DEFAULT_HASH_WORKERS,
  DEFAULT_READ_SLOTS,
  GEAR_SEED,
  GEAR_WINDOW,
} from './constants.js'
export { InvalidChunkingParamsError } from './errors.js'
export { validateChunkingParams, resolveChunkingParams } from './params.js'
export { Chunker, chunkBytes, type ChunkerInit } from './chunker.js'
export { chunkFile, type ChunkFileOptions } from './chunk-file.js'
export { chunkCid, cidFromSha256, verifyChunk, isChunkValid } from './chunk-cid.js'
