import { createCipheriv, createHash } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import type { ChunkRef } from '@imgswarm/core'
import { Chunker, chunkBytes } from './chunker.js'
import { DEFAULT_CHUNKING } from './constants.js'

const MiB = 1024 * 1024
/** Small sizes, so statistics over a few MiB rest on hundreds of chunks. */
const SMALL = { minSize: 4096, avgSize: 16384, maxSize: 65536 }

/** Deterministic pseudo-random bytes (AES-128-CTR keystream), so the asserted figures are stable. */
function pseudoRandom(size: number, seed: number): Buffer {
  const key = Buffer.alloc(16)
  key.writeUInt32BE(seed)
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size))
}

const cids = (chunks: ChunkRef[]): string[] => chunks.map((c) => c.cid.toString())

function expectWellFormed(chunks: ChunkRef[], size: number, params: { minSize: number; maxSize: number }): void {
  let offset = 0
  chunks.forEach((chunk, i) => {
    expect(chunk.offset).toBe(offset)
    if (i < chunks.length - 1) expect(chunk.length).toBeGreaterThanOrEqual(params.minSize)
    expect(chunk.length).toBeGreaterThan(0)
    expect(chunk.length).toBeLessThanOrEqual(params.maxSize)
    offset += chunk.length
  })
  expect(offset).toBe(size)
}

/** Chunk ends found when `data` is pushed in pieces of the given sizes (cycled). */
function endsInPieces(data: Uint8Array, pieceSizes: number[], params = {}): number[] {
  const chunker = new Chunker(params)
  const ends: number[] = []
  for (let at = 0, k = 0; at < data.length; k++) {
    const piece = data.subarray(at, at + pieceSizes[k % pieceSizes.length])
    ends.push(...chunker.push(piece))
    at += piece.length
  }
  expect(chunker.position).toBe(data.length)
  return [...ends, ...chunker.finish()]
}

describe('chunkBytes', () => {
  const random16 = pseudoRandom(16 * MiB, 1)

  it('gives identical content identical CIDs', () => {
    const a = chunkBytes(random16)
    const b = chunkBytes(Buffer.from(random16))
    expect(cids(b)).toEqual(cids(a))
    expect(a.length).toBeGreaterThan(30)
    expect(new Set(cids(a)).size).toBe(a.length) // random data: no chunk repeats
  })

  it('keeps boundaries still this version cut them (golden vector)', () => {
    const chunks = chunkBytes(random16.subarray(0, 8 * MiB))
    expect(chunks.length).toBe(29)
    expect(chunks.slice(0, 5).map((c) => c.length)).toEqual([289055, 267521, 153230, 413981, 289635])
    expect(chunks[0].cid.toString()).toBe('bafkreigcmoovlme23arwt7ei6m7h3b33woq7sjku7ws26awqmqjxa7ef24')
    expect(createHash('sha256').update(cids(chunks).join()).digest('hex')).toBe(
      '762967a052813ef393c9e9368d0b2f6d016153094793e5f2ad492d21d54f60d5',
    )
  })

  it('resists boundary shift: 100 bytes inserted near the start change only a few chunks', () => {
    const before = chunkBytes(random16)
    const inserted = Buffer.concat([random16.subarray(0, 1000), pseudoRandom(100, 2), random16.subarray(1000)])
    const after = chunkBytes(inserted)
    const old = new Set(cids(before))
    const fresh = cids(after).filter((cid) => !old.has(cid)).length
    const shared = after.length - fresh
    console.log(
      `boundary shift: ${before.length} chunks before, ${after.length} after, ${fresh} new, ` +
        `${shared} shared (${((100 * shared) / before.length).toFixed(1)}% of the original chunks)`,
    )
    expect(fresh).toBeLessThanOrEqual(3)
    expect(shared / before.length).toBeGreaterThanOrEqual(0.9)
    // likewise with small chunks, an insertion in the middle, and 1 byte deleted further on
    const small = chunkBytes(random16, SMALL)
    const edited = Buffer.concat([random16.subarray(0, 8 * MiB), Buffer.from('x'), random16.subarray(8 * MiB, 12 * MiB), random16.subarray(12 * MiB + 1)])
    const smallOld = new Set(cids(small))
    const smallFresh = cids(chunkBytes(edited, SMALL)).filter((cid) => !smallOld.has(cid)).length
    console.log(`small chunks: ${small.length} chunks, 2 edits, ${smallFresh} new`)
    expect(smallFresh).toBeLessThanOrEqual(6)
  })

  it('dedupes a file of zeros: every chunk is a max-size chunk with one CID', () => {
    const zeros = new Uint8Array(16 * MiB + 12345)
    const chunks = chunkBytes(zeros)
    expect(chunks.length).toBe(17)
    expect(chunks.slice(0, 16).every((c) => c.length === DEFAULT_CHUNKING.maxSize)).toBe(true)
    expect(new Set(cids(chunks.slice(0, 16))).size).toBe(1)
    expect(new Set(cids(chunks)).size).toBe(2) // plus the 12345-byte tail
  })

  it('keeps chunks within [min, max] (but the last), contiguous, averaging near the target', () => {
    for (const params of [DEFAULT_CHUNKING, { ...DEFAULT_CHUNKING, ...SMALL }]) {
      const chunks = chunkBytes(random16, params)
      expectWellFormed(chunks, random16.length, params)
      const mean = random16.length / chunks.length
      console.log(`avgSize ${params.avgSize}: ${chunks.length} chunks, mean ${Math.round(mean)} bytes`)
      expect(mean).toBeGreaterThanOrEqual(0.5 * params.avgSize)
      expect(mean).toBeLessThanOrEqual(1.5 * params.avgSize)
    }
  })

  it('handles inputs shorter than minSize, empty input, and runs of max-size chunks', () => {
    expect(chunkBytes(new Uint8Array(0))).toEqual([])
    const tiny = chunkBytes(random16.subarray(0, 1000))
    expect(tiny.map((c) => [c.offset, c.length])).toEqual([[0, 1000]])
    expectWellFormed(chunkBytes(new Uint8Array(3 * MiB)), 3 * MiB, DEFAULT_CHUNKING)
  })
})

describe('Chunker', () => {
  it('finds the same boundaries however the stream is split', () => {
    const small = pseudoRandom(300 * 1024, 5)
    const whole = endsInPieces(small, [small.length], SMALL)
    expect(whole.length).toBeGreaterThan(10)
    expect(endsInPieces(small, [1], SMALL)).toEqual(whole)
    expect(endsInPieces(small, [7, 1, 4093, 31, 33], SMALL)).toEqual(whole)

    const large = pseudoRandom(6 * MiB, 6)
    const wholeLarge = endsInPieces(large, [large.length])
    expect(endsInPieces(large, [65537, 3, 1_000_003, 29])).toEqual(wholeLarge)
    expect(endsInPieces(large, [DEFAULT_CHUNKING.minSize - 32])).toEqual(wholeLarge)
  })

  it('returns stream offsets from push and the pending tail from finish', () => {
    const chunker = new Chunker(SMALL)
    expect(chunker.push(new Uint8Array(100))).toEqual([])
    expect(chunker.push(new Uint8Array(70000))).toEqual([65536])
    expect(chunker.finish()).toEqual([70100])
    expect(chunker.finish()).toEqual([])
  })
})
