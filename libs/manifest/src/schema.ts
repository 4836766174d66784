import type { ChunkRef, ImageManifest, SignedManifest } from '@imgswarm/core'
import { CID } from 'multiformats/cid'
import { CborReader } from './cbor-reader.js'
import { MAX_NAME_LENGTH, MAX_VERSION_LENGTH } from './constants.js'
import { ManifestFormatError } from './errors.js'
import { ED25519_SIGNATURE_LENGTH } from './public-key.js'
import { quote } from './quote.js'

/*
 * The encoded shape of a signed manifest, defined here and nowhere else. DAG-CBOR, which is
 * deterministic: definite lengths, shortest integers, map keys sorted by length then bytes, CIDs
 * as tag 42. In map-key order:
 *
 *   SignedManifest = { manifest: Body, signature: bytes .size 64 }
 *   Body = {
 *     name: text, size: uint, chunks: [* [cid, length: uint]], format: 1, version: text,
 *     chunking: { avgSize: uint, maxSize: uint, minSize: uint, algorithm: text },
 *     createdAt: text, publisher: text
 *   }
 *
 * Chunk offsets are not stored: chunk i starts where chunk i-1 ends, so they cannot disagree with
 * the lengths. The signature is ed25519 over MANIFEST_SIGNATURE_DOMAIN ‖ DAG-CBOR(Body).
 */

/** The manifest format this code writes and the only one it reads. */
export const MANIFEST_FORMAT = 1

/** Prepended to the body before signing, so a manifest signature can never pass for another message. */
export const MANIFEST_SIGNATURE_DOMAIN = new TextEncoder().encode('imgswarm-manifest-v1\0')

/** A chunk as encoded: its CID and its length. */
export type ChunkWire = [cid: CID, length: number]

/** The signed body, as encoded. */
export interface ManifestBodyWire {
  name: string
  size: number
  chunks: ChunkWire[]
  format: number
  version: string
  chunking: { avgSize: number; maxSize: number; minSize: number; algorithm: string }
  createdAt: string
  publisher: string
}

/** The signed envelope, as encoded. */
export interface SignedManifestWire {
  manifest: ManifestBodyWire
  signature: Uint8Array
}

/** Longest map key in the schema is 9 bytes; anything much longer is not ours. */
const MAX_KEY_BYTES = 64
/** Longer than any valid ISO-8601 timestamp or `z6Mk…` key, short enough to bound error text. */
const MAX_SHORT_TEXT_BYTES = 128

export function manifestToWire(m: ImageManifest): ManifestBodyWire {
  return {
    name: m.name,
    size: m.size,
    chunks: m.chunks.map((c): ChunkWire => [c.cid, c.length]),
    format: m.format,
    version: m.version,
    chunking: {
      avgSize: m.chunking.avgSize,
      maxSize: m.chunking.maxSize,
      minSize: m.chunking.minSize,
      algorithm: m.chunking.algorithm,
    },
    createdAt: m.createdAt,
    publisher: m.publisher,
  }
}

export function signedManifestToWire(m: SignedManifest): SignedManifestWire {
  return { manifest: manifestToWire(m.manifest), signature: m.signature }
}

/**
 * Builds the in-memory manifest from its wire form, giving every chunk its offset. Field values
 * are checked afterwards by `validateManifest`; this only maps the shape.
 */
export function manifestFromWire(w: ManifestBodyWire): ImageManifest {
  const chunks: ChunkRef[] = new Array(w.chunks.length)
  let offset = 0
  for (let i = 0; i < w.chunks.length; i++) {
    const [cid, length] = w.chunks[i]
    chunks[i] = { cid, offset, length }
    offset += length
  }
  return {
    format: w.format as ImageManifest['format'],
    name: w.name,
    version: w.version,
    size: w.size,
    chunking: {
      algorithm: w.chunking.algorithm as ImageManifest['chunking']['algorithm'],
      minSize: w.chunking.minSize,
      avgSize: w.chunking.avgSize,
      maxSize: w.chunking.maxSize,
    },
    chunks,
    createdAt: w.createdAt,
    publisher: w.publisher,
  }
}

/**
 * Reads a signed manifest in exactly the shape above: wrong types, unknown, missing, duplicate
 * or unsorted fields, more than `maxChunks` chunks, and trailing bytes are refused on the spot.
 */
export function readSignedManifestWire(bytes: Uint8Array, maxChunks: number): SignedManifestWire {
  const r = new CborReader(bytes)
  const out = {} as SignedManifestWire
  readMap(r, 'signed manifest', {
    manifest: (where) => (out.manifest = readBody(r, where, maxChunks)),
    signature: (where) => (out.signature = r.bytes(where, ED25519_SIGNATURE_LENGTH)),
  })
  r.end('signed manifest')
  return out
}

function readBody(r: CborReader, where: string, maxChunks: number): ManifestBodyWire {
  const body = {} as ManifestBodyWire
  readMap(r, where, {
    name: (at) => (body.name = r.text(at, MAX_NAME_LENGTH)),
    size: (at) => (body.size = r.uint(at)),
    chunks: (at) => (body.chunks = readChunks(r, at, maxChunks)),
    format: (at) => (body.format = r.uint(at)),
    version: (at) => (body.version = r.text(at, MAX_VERSION_LENGTH)),
    chunking: (at) => {
      const c = {} as ManifestBodyWire['chunking']
      readMap(r, at, {
        avgSize: (f) => (c.avgSize = r.uint(f)),
        maxSize: (f) => (c.maxSize = r.uint(f)),
        minSize: (f) => (c.minSize = r.uint(f)),
        algorithm: (f) => (c.algorithm = r.text(f, MAX_SHORT_TEXT_BYTES)),
      })
      body.chunking = c
    },
    createdAt: (at) => (body.createdAt = r.text(at, MAX_SHORT_TEXT_BYTES)),
    publisher: (at) => (body.publisher = r.text(at, MAX_SHORT_TEXT_BYTES)),
  })
  return body
}

function readChunks(r: CborReader, where: string, maxChunks: number): ChunkWire[] {
  const start = r.position
  const count = r.array(where)
  if (count > maxChunks) {
    throw new ManifestFormatError(`${where}: ${count} chunks, more than the limit of ${maxChunks} (at byte ${start})`)
  }
  const chunks: ChunkWire[] = []
  for (let i = 0; i < count; i++) {
    const at = r.position
    const items = r.array(`${where}[${i}]`)
    if (items !== 2) {
      throw new ManifestFormatError(`${where}[${i}]: a chunk is [cid, length], got ${items} items (at byte ${at})`)
    }
    const cid = r.cid(`${where}[${i}].cid`)
    chunks.push([cid, r.uint(`${where}[${i}].length`)])
  }
  return chunks
}

/**
 * Reads a map whose keys must be exactly `fields`' names, each once, in DAG-CBOR order, calling
 * the field's reader for its value.
 */
function readMap(r: CborReader, where: string, fields: Record<string, (where: string) => void>): void {
  const start = r.position
  const count = r.map(where)
  const seen = new Set<string>()
  let previous: string | undefined
  for (let i = 0; i < count; i++) {
    const at = r.position
    const key = r.text(`${where} key`, MAX_KEY_BYTES)
    if (!Object.hasOwn(fields, key)) throw new ManifestFormatError(`${where}: unknown field ${quote(key)} (at byte ${at})`)
    if (seen.has(key)) throw new ManifestFormatError(`${where}: duplicate field ${quote(key)} (at byte ${at})`)
    if (previous !== undefined && compareKeys(previous, key) > 0) {
      throw new ManifestFormatError(`${where}: field ${quote(key)} is out of DAG-CBOR key order (at byte ${at})`)
    }
    seen.add(key)
    previous = key
    fields[key](`${where}.${key}`)
  }
  const missing = Object.keys(fields).filter((name) => !seen.has(name))
  if (missing.length > 0) {
    throw new ManifestFormatError(`${where}: missing field${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (map at byte ${start})`)
  }
}

/** DAG-CBOR map key order: shorter keys first, then bytewise (the schema's keys are ASCII). */
function compareKeys(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length
  return a < b ? -1 : a > b ? 1 : 0
}
