/**
 * @packageDocumentation
 * The types every imgswarm library speaks in (chunk refs, manifests, peers), the error
 * classes they raise, and the chunk bitfield. Depends on nothing but `multiformats` types.
 */
export * from './types.js'
export * from './errors.js'
export { Bitfield } from './bitfield.js'
export { chunkArray, chunkPieces, type ChunkBytes, type ChunkPieces } from './chunk-bytes.js'
export * from './constants.js'
