import { availableParallelism } from 'node:os'
import type { ChunkingParams } from '@imgswarm/core'

/**
 * The chunking every image is cut with unless its publisher says otherwise: FastCDC with a gear
 * hash and normalized chunking (level 2) around 256 KiB, no chunk shorter than 64 KiB (except an
 * image's last) nor longer than 1 MiB. On random data the mean chunk is about 290 KiB: the cut
 * probability only rises to 2^-16 per byte past `avgSize`, as in the FastCDC paper.
 */
export const DEFAULT_CHUNKING: Readonly<ChunkingParams> = Object.freeze({
  algorithm: 'fastcdc-gear-v1',
  minSize: 64 * 1024,
  avgSize: 256 * 1024,
  maxSize: 1024 * 1024,
})

/** The one algorithm this library implements; its boundaries never change. */
export const CHUNKING_ALGORITHM = 'fastcdc-gear-v1' as const

/**
 * Bytes the 32-bit gear hash depends on: each byte's table entry is shifted out after 32 more
 * bytes, so a cut decision is a pure function of the 32 bytes before it (which would let a
 * many-core machine find candidate cuts in parallel without changing any boundary).
 */
export const GEAR_WINDOW = 32

/** Seed of the mulberry32 generator that fills the gear table ("imgs" in ASCII). Never change it. */
export const GEAR_SEED = 0x696d6773

/** FastCDC normalization level: the mask has log2(avg)+2 bits before `avgSize`, log2(avg)-2 after. */
export const NORMALIZATION_LEVEL = 2

/** Smallest `minSize` accepted (the gear window must fit before the first possible cut). */
export const MIN_CHUNK_SIZE_LIMIT = 64

/** `chunkFile` reads the file in blocks of this many bytes. */
export const DEFAULT_READ_BLOCK_SIZE = 4 * 1024 * 1024

/**
 * `chunkFile` hashes on worker threads while the main thread finds boundaries: one per spare
 * core, up to 3 (sha256 runs near 1.4 GB/s per core, the wasm boundary scan near 2.5 GB/s, so
 * past 2–3 hash workers the scan is the limit). On 2 cores one worker measured best: a second
 * only competes with the main thread and the file reads for the same two cores.
 */
export const DEFAULT_HASH_WORKERS = Math.max(1, Math.min(3, availableParallelism() - 1))

/**
 * Blocks `chunkFile` keeps in memory at once (being read, cut or hashed), each with room for
 * a chunk carried over from the block before: 8 × (4 + 1) MiB = 40 MiB by default. Six blocks
 * queued ahead of the hash workers keep them busy when the scheduler is slow to run the main
 * thread (on a loaded machine); at least 4.
 */
export const DEFAULT_READ_SLOTS = 8
