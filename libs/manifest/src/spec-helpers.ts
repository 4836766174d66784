// Test helpers shared by this library's specs; not exported from the package.
import { createHash } from 'node:crypto'
import type { ChunkingParams, ChunkRef } from '@imgswarm/core'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import type { ManifestInit } from './create-manifest.js'

export const CHUNKING: ChunkingParams = {
  algorithm: 'fastcdc-gear-v1',
  minSize: 64 * 1024,
  avgSize: 256 * 1024,
  maxSize: 1024 * 1024,
}

/** A chunk CID (v1, raw, sha2-256) of some bytes derived from `seed`. */
export function chunkCid(seed: number): CID {
  const digest = createHash('sha256').update(`chunk ${seed}`).digest()
  return CID.createV1(raw.code, Digest.create(sha256.code, new Uint8Array(digest)))
}

/** Contiguous chunk refs of the given lengths. */
export function chunkRefs(lengths: number[]): ChunkRef[] {
  let offset = 0
  return lengths.map((length, i) => {
    const ref = { cid: chunkCid(i), offset, length }
    offset += length
    return ref
  })
}

export function sampleInit(lengths = [300_000, 200_000, 123_456]): ManifestInit {
  return {
    name: 'win11-iot',
    version: '2026.11',
    size: lengths.reduce((a, b) => a + b, 0),
    chunking: CHUNKING,
    chunks: chunkRefs(lengths),
    createdAt: '2026-11-23T14:30:00.000Z',
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}

/** Replaces the single occurrence of `from` in `bytes` with `to`; fails the test if not exactly one. */
export function replaceOnce(bytes: Uint8Array, from: Uint8Array, to: Uint8Array): Uint8Array {
  const buf = Buffer.from(bytes)
  const at = buf.indexOf(Buffer.from(from))
  if (at < 0 || buf.indexOf(Buffer.from(from), at + 1) >= 0) throw new Error('pattern must occur exactly once')
  return concat(bytes.subarray(0, at), to, bytes.subarray(at + from.byteLength))
}

/** The DAG-CBOR encoding of one value (handy for building hand-crafted inputs). */
export function cbor(value: unknown): Uint8Array {
  return dagCbor.encode(value)
}
