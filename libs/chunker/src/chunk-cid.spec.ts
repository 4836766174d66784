import { describe, expect, it } from '@jest/globals'
import { ChunkHashMismatchError } from '@imgswarm/core'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { chunkCid, isChunkValid, verifyChunk } from './chunk-cid.js'

const DAG_PB = 0x70

describe('chunk CIDs', () => {
  const bytes = Buffer.from('a chunk of some golden image')

  it('are CIDv1, raw, sha2-256, equal to what multiformats computes itself', async () => {
    const cid = chunkCid(bytes)
    expect(cid.version).toBe(1)
    expect(cid.code).toBe(0x55)
    expect(cid.multihash.code).toBe(0x12)
    expect(cid.equals(CID.createV1(raw.code, await sha256.digest(bytes)))).toBe(true)
    expect(cid.toString()).toMatch(/^bafkrei/)
  })

  it('verify the right bytes and refuse a flipped byte, naming the CID', () => {
    const cid = chunkCid(bytes)
    expect(() => verifyChunk(cid, bytes)).not.toThrow()
    expect(isChunkValid(cid, bytes)).toBe(true)
    for (const at of [0, 13, bytes.length - 1]) {
      const flipped = Buffer.from(bytes)
      flipped[at] ^= 0x01
      expect(() => verifyChunk(cid, flipped)).toThrow(ChunkHashMismatchError)
      expect(() => verifyChunk(cid, flipped)).toThrow(cid.toString())
      expect(isChunkValid(cid, flipped)).toBe(false)
    }
    expect(isChunkValid(cid, bytes.subarray(1))).toBe(false)
  })

  it('verify a chunk given as the pieces it arrived in, and refuse reordered, short or flipped pieces', () => {
    const cid = chunkCid(bytes)
    const asPieces = (...parts: Uint8Array[]) => ({ byteLength: parts.reduce((n, p) => n + p.byteLength, 0), [Symbol.iterator]: () => parts[Symbol.iterator]() })
    const [a, b, c] = [bytes.subarray(0, 5), bytes.subarray(5, 5), bytes.subarray(5)]
    expect(isChunkValid(cid, asPieces(a, b, c))).toBe(true)
    expect(() => verifyChunk(cid, asPieces(a, c))).not.toThrow()
    expect(isChunkValid(cid, asPieces(c, a))).toBe(false)
    expect(isChunkValid(cid, asPieces(a))).toBe(false)
    const flipped = Buffer.from(c)
    flipped[0] ^= 0x80
    expect(() => verifyChunk(cid, asPieces(a, flipped))).toThrow(ChunkHashMismatchError)
  })

  it('refuse CIDs that are not raw sha2-256 even when the digest matches', async () => {
    const digest = await sha256.digest(bytes)
    const cases = [
      CID.createV1(DAG_PB, digest), // wrong codec
      CID.createV0(digest as never), // v0 is dag-pb
      CID.createV1(raw.code, await sha512.digest(bytes)), // wrong hash function
      CID.createV1(raw.code, identity.digest(bytes)), // no hash at all
    ]
    for (const cid of cases) {
      expect(() => verifyChunk(cid as CID, bytes)).toThrow(ChunkHashMismatchError)
      expect(() => verifyChunk(cid as CID, bytes)).toThrow(/is not a chunk CID/)
      expect(isChunkValid(cid as CID, bytes)).toBe(false)
    }
  })
})
