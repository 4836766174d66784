import type { Bitfield, ChunkBytes, ChunkIndex } from '@imgswarm/core'

/**
 * Where verified chunks go (the chunk store's write side). `write` receives bytes that were
 * already verified, makes them durable, then sets the chunk's bit in `verified`: a bit is never
 * set for bytes that could be lost, so a restart resumes from `verified` without re-fetching.
 *
 * `write` may return synchronously (in-memory stores in the simulator): the scheduler then
 * skips a promise turn per chunk, which matters at 10,000 simulated nodes.
 */
export interface ChunkSink {
  readonly verified: Bitfield
  has(index: ChunkIndex): boolean
  write(index: ChunkIndex, bytes: ChunkBytes): Promise<void> | void
}

/** Where served chunks come from (the chunk store's read side): only verified chunks. */
export interface ChunkSource {
  readonly verified: Bitfield
  has(index: ChunkIndex): boolean
  read(index: ChunkIndex): Promise<Uint8Array> | Uint8Array
}

/**
 * Checks a received chunk against the manifest (in production: sha256 of the bytes against the
 * chunk's CID). Returns false on mismatch; the scheduler then bans the sender.
 */
export type ChunkVerifier = (index: ChunkIndex, bytes: ChunkBytes) => boolean
