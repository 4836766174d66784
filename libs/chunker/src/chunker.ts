import type { ChunkingParams, ChunkRef } from '@imgswarm/core'
import { chunkCid } from './chunk-cid.js'
import { GEAR_WINDOW } from './constants.js'
import { gearRoll, JsGearScanner, type GearScanner } from './gear.js'
import { cutRule, resolveChunkingParams, type CutRule } from './params.js'

export interface ChunkerInit {
  /** Runs the inner loop; the plain-JavaScript scanner unless given. */
  scanner?: GearScanner
}

/**
 * Finds content-defined chunk boundaries in a stream of buffers (FastCDC with normalized
 * chunking), keeping only a few numbers of state: no bytes are retained between calls, so a
 * stream of any length is cut in constant memory and the same bytes give the same boundaries
 * however they are split into buffers.
 *
 * A chunk of length L ends where, after its byte L-1, the gear hash of the 32 bytes before has
 * no bit of `maskSmall` set (while L < avgSize) or of `maskLarge` (from avgSize on); lengths
 * run from minSize to maxSize, and the first minSize-32 bytes of each chunk are skipped unread.
 */
export class Chunker {
  readonly params: ChunkingParams
  private readonly rule: CutRule
  private readonly scanner: GearScanner
  /** Bytes of the current chunk consumed so far. */
  private length = 0
  /** Gear hash after the last consumed byte, once within the window before minSize. */
  private hash = 0
  private consumed = 0

  constructor(params: Partial<ChunkingParams> = {}, init: ChunkerInit = {}) {
    this.params = resolveChunkingParams(params)
    this.rule = cutRule(this.params)
    this.scanner = init.scanner ?? new JsGearScanner()
  }

  /** Stream offset of the next byte to be pushed. */
  get position(): number {
    return this.consumed
  }

  /** Feeds the next bytes of the stream; returns the stream offsets where chunks end in them. */
  push(bytes: Uint8Array): number[] {
    const ends: number[] = []
    const base = this.consumed
    this.feed(bytes, 0, bytes.length, ends)
    for (let i = 0; i < ends.length; i++) ends[i] += base
    return ends
  }

  /** Ends the stream: the end offset of the last (possibly shorter) chunk, if any byte is pending. */
  finish(): number[] {
    if (this.length === 0) return []
    this.length = 0
    this.hash = 0
    return [this.consumed]
  }

  /**
   * Feeds bytes[from..to) and appends to `ends` the index in `bytes` just past each chunk
   * found. The low-level form of push, for callers that manage their own buffers.
   */
  feed(bytes: Uint8Array, from: number, to: number, ends: number[]): void {
    const { minSize, avgSize, maxSize, maskSmall, maskLarge } = this.rule
    const rollFrom = minSize - GEAR_WINDOW // first byte of the window before the first possible cut
    const checkFrom = minSize - 1 // after this byte a chunk may end
    let length = this.length
    let hash = this.hash
    let i = from
    while (i < to) {
      const available = to - i
      if (length < rollFrom) {
        const n = Math.min(rollFrom - length, available)
        i += n
        length += n
        continue
      }
      if (length < checkFrom) {
        const n = Math.min(checkFrom - length, available)
        hash = gearRoll(bytes, i, i + n, hash)
        i += n
        length += n
        continue
      }
      // Normalized chunking: a harder mask before avgSize, an easier one after.
      const small = length < avgSize - 1
      const limit = small ? avgSize - 1 : maxSize
      const n = Math.min(limit - length, available)
      const cut = this.scanner.scan(bytes, i, i + n, hash, small ? maskSmall : maskLarge)
      if (cut >= 0) {
        ends.push(cut)
        i = cut
        length = 0
        hash = 0
        continue
      }
      hash = this.scanner.hash
      i += n
      length += n
      if (length === maxSize) {
        ends.push(i)
        length = 0
        hash = 0
      }
    }
    this.consumed += to - from
    this.length = length
    this.hash = hash
  }
}

/** Cuts bytes held in memory into chunks with their CIDs: for tests and small inputs. */
export function chunkBytes(bytes: Uint8Array, params: Partial<ChunkingParams> = {}): ChunkRef[] {
  const chunker = new Chunker(params)
  const ends = [...chunker.push(bytes), ...chunker.finish()]
  const chunks: ChunkRef[] = []
  let offset = 0
  for (const end of ends) {
    chunks.push({ cid: chunkCid(bytes.subarray(offset, end)), offset, length: end - offset })
    offset = end
  }
  return chunks
}
