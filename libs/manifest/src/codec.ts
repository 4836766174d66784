import { createHash } from 'node:crypto'
import { InvalidInputError, MAX_CHUNKS_PER_MANIFEST, type ImageManifest, type SignedManifest } from '@imgswarm/core'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import { DEFAULT_MAX_MANIFEST_BYTES } from './constants.js'
import { ManifestFormatError } from './errors.js'
import { quote } from './quote.js'
import { manifestFromWire, manifestToWire, readSignedManifestWire, signedManifestToWire } from './schema.js'
import { validateManifest, validateSignedManifest } from './validate.js'

/** Limits applied to manifest bytes from elsewhere. */
export interface DecodeManifestOptions {
  /** Largest encoded signed manifest accepted, in bytes (default `DEFAULT_MAX_MANIFEST_BYTES`). */
  maxBytes?: number
  /** Most chunks accepted; can only lower the hard `MAX_CHUNKS_PER_MANIFEST`. */
  maxChunks?: number
}

/** Canonical DAG-CBOR bytes of a manifest body: what the publisher signs. Refuses an invalid manifest. */
export function encodeManifestBody(m: ImageManifest): Uint8Array {
  validateManifest(m)
  return dagCbor.encode(manifestToWire(m))
}

/** Canonical DAG-CBOR bytes of a signed manifest: what travels and what its CID names. */
export function encodeSignedManifest(m: SignedManifest): Uint8Array {
  validateSignedManifest(m)
  return dagCbor.encode(signedManifestToWire(m))
}

/**
 * Decodes and validates signed manifest bytes; does not check the signature (see
 * `verifySignedManifest`, or `openManifest` for the whole path). Refuses, with a
 * `ManifestFormatError` naming the field and byte, anything over the limits, off the schema or
 * not in canonical form, so each manifest has exactly one encoding and hence one CID.
 */
export function decodeSignedManifest(bytes: Uint8Array, options: DecodeManifestOptions = {}): SignedManifest {
  if (!(bytes instanceof Uint8Array)) throw new ManifestFormatError('manifest bytes must be a Uint8Array')
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MANIFEST_BYTES
  const maxChunks = Math.min(options.maxChunks ?? MAX_CHUNKS_PER_MANIFEST, MAX_CHUNKS_PER_MANIFEST)
  if (bytes.byteLength > maxBytes) {
    throw new ManifestFormatError(`signed manifest is ${bytes.byteLength} bytes, more than the limit of ${maxBytes}`)
  }
  const wire = readSignedManifestWire(bytes, maxChunks)
  const signed: SignedManifest = { manifest: manifestFromWire(wire.manifest), signature: wire.signature }
  validateSignedManifest(signed, maxChunks)
  // The reader already demands minimal heads and sorted keys; re-encoding is the final word.
  if (!equalBytes(dagCbor.encode(wire), bytes)) {
    throw new ManifestFormatError('signed manifest is not in canonical DAG-CBOR form')
  }
  return signed
}

/** The CID naming a signed manifest: CIDv1, dag-cbor, sha2-256 of its encoded bytes. */
export function manifestCid(bytes: Uint8Array): CID {
  const digest = createHash('sha256').update(bytes).digest()
  return CID.createV1(dagCbor.code, Digest.create(sha256.code, new Uint8Array(digest)))
}

/**
 * Parses a manifest CID given as a string or CID, refusing anything that cannot name a manifest
 * (a chunk's `raw` CID, another hash, CIDv0) with an `InvalidInputError` saying which.
 */
export function parseManifestCid(value: CID | string): CID {
  let cid: CID | null
  if (typeof value === 'string') {
    try {
      cid = CID.parse(value)
    } catch (err) {
      throw new InvalidInputError(`${quote(value)} is not a CID: ${(err as Error).message}`, { cause: err })
    }
  } else {
    cid = CID.asCID(value)
    if (cid === null) throw new InvalidInputError(`expected a manifest CID, got ${typeof value}`)
  }
  if (cid.version !== 1 || cid.code !== dagCbor.code || cid.multihash.code !== sha256.code) {
    throw new InvalidInputError(
      `${cid.toString()} is not a manifest CID: it is v${cid.version} with codec ${codecName(cid.code)} and hash ` +
        `0x${cid.multihash.code.toString(16)}; a manifest CID is v1, dag-cbor (0x71), sha2-256 (0x12)`,
    )
  }
  return cid
}

function codecName(code: number): string {
  const names: Record<number, string> = { 0x55: 'raw', 0x70: 'dag-pb', 0x71: 'dag-cbor', 0x0129: 'dag-json' }
  return `${names[code] ?? 'unknown'} (0x${code.toString(16)})`
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0
}
