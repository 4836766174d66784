import { MAX_CHUNK_SIZE, type ChunkingParams } from '@imgswarm/core'
import { CHUNKING_ALGORITHM, DEFAULT_CHUNKING, MIN_CHUNK_SIZE_LIMIT, NORMALIZATION_LEVEL } from './constants.js'
import { InvalidChunkingParamsError } from './errors.js'

/** Chunking parameters turned into what the boundary search needs. */
export interface CutRule {
  minSize: number
  /** Chunk length from which the easier mask applies. */
  avgSize: number
  maxSize: number
  /** Mask tested while a chunk is shorter than `avgSize` (more bits, cuts rarer). */
  maskSmall: number
  /** Mask tested from `avgSize` on (fewer bits, cuts likelier). */
  maskLarge: number
}

/**
 * Checks chunking parameters (for instance those a manifest names) and returns a clean copy:
 * the algorithm is `fastcdc-gear-v1`, sizes are integers with
 * 64 <= minSize < avgSize < maxSize <= MAX_CHUNK_SIZE, and avgSize is a power of two (the masks
 * have log2(avgSize) ± 2 bits).
 */
export function validateChunkingParams(params: unknown): ChunkingParams {
  if (typeof params !== 'object' || params === null) {
    throw new InvalidChunkingParamsError(`chunking parameters must be an object, got ${String(params)}`)
  }
  const p = params as Record<string, unknown>
  if (p.algorithm !== CHUNKING_ALGORITHM) {
    throw new InvalidChunkingParamsError(
      `unknown chunking algorithm ${JSON.stringify(p.algorithm)}, expected "${CHUNKING_ALGORITHM}"`,
    )
  }
  const sizes = { minSize: p.minSize, avgSize: p.avgSize, maxSize: p.maxSize }
  for (const [name, value] of Object.entries(sizes)) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new InvalidChunkingParamsError(`chunking ${name} must be a positive integer, got ${String(value)}`)
    }
  }
  const { minSize, avgSize, maxSize } = sizes as { minSize: number; avgSize: number; maxSize: number }
  if (minSize < MIN_CHUNK_SIZE_LIMIT) {
    throw new InvalidChunkingParamsError(`chunking minSize ${minSize} is below the limit of ${MIN_CHUNK_SIZE_LIMIT}`)
  }
  if (!(minSize < avgSize && avgSize < maxSize)) {
    throw new InvalidChunkingParamsError(
      `chunking sizes must satisfy minSize < avgSize < maxSize, got ${minSize}, ${avgSize}, ${maxSize}`,
    )
  }
  if ((avgSize & (avgSize - 1)) !== 0) {
    throw new InvalidChunkingParamsError(`chunking avgSize must be a power of two, got ${avgSize}`)
  }
  if (maxSize > MAX_CHUNK_SIZE) {
    throw new InvalidChunkingParamsError(`chunking maxSize ${maxSize} exceeds MAX_CHUNK_SIZE (${MAX_CHUNK_SIZE})`)
  }
  return { algorithm: CHUNKING_ALGORITHM, minSize, avgSize, maxSize }
}

/** Fills in missing fields from DEFAULT_CHUNKING, then validates. */
export function resolveChunkingParams(params: Partial<ChunkingParams> = {}): ChunkingParams {
  return validateChunkingParams({ ...DEFAULT_CHUNKING, ...params })
}

/**
 * The masks for validated parameters. Mask bits sit at the top of the 32-bit hash, where every
 * byte of the gear window has contributed (bit k of the hash depends on the last k+1 bytes).
 */
export function cutRule(params: ChunkingParams): CutRule {
  const bits = Math.log2(params.avgSize)
  return {
    minSize: params.minSize,
    avgSize: params.avgSize,
    maxSize: params.maxSize,
    maskSmall: topBits(bits + NORMALIZATION_LEVEL),
    maskLarge: topBits(bits - NORMALIZATION_LEVEL),
  }
}

/** An int32 with its `n` most significant bits set. */
function topBits(n: number): number {
  return (-1 << (32 - n)) | 0
}
