import { MAX_CHUNK_SIZE, MAX_CHUNKS_PER_MANIFEST, type ImageManifest, type SignedManifest } from '@imgswarm/core'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { MAX_NAME_LENGTH, MAX_VERSION_LENGTH } from './constants.js'
import { ManifestFormatError } from './errors.js'
import { ED25519_SIGNATURE_LENGTH, parsePublicKey } from './public-key.js'
import { quote } from './quote.js'
import { MANIFEST_FORMAT } from './schema.js'

/** The only chunking algorithm a manifest may name. */
export const CHUNKING_ALGORITHM: ImageManifest['chunking']['algorithm'] = 'fastcdc-gear-v1'

/**
 * Names and versions end up in file paths, URLs and log lines: letters, digits and `._+-`,
 * starting with a letter or digit (so never `.`, `..` or an option-like `-x`).
 */
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/

/** Exactly what `Date.prototype.toISOString()` writes, so one instant has one spelling. */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

const SHA2_256_LENGTH = 32

/**
 * Checks every rule of a manifest's content, the same whether it is about to be signed or was just
 * decoded from a peer. Throws `ManifestFormatError` naming the first field that is wrong.
 */
export function validateManifest(m: ImageManifest, maxChunks: number = MAX_CHUNKS_PER_MANIFEST): void {
  const fail = (field: string, message: string): never => {
    throw new ManifestFormatError(`manifest.${field}: ${message}`)
  }
  if (m === null || typeof m !== 'object') throw new ManifestFormatError('manifest must be an object')
  if (m.format !== MANIFEST_FORMAT) fail('format', `unsupported format ${String(m.format)}, expected ${MANIFEST_FORMAT}`)
  checkLabel(m.name, 'name', MAX_NAME_LENGTH, fail)
  checkLabel(m.version, 'version', MAX_VERSION_LENGTH, fail)
  if (!Number.isSafeInteger(m.size) || m.size < 0) fail('size', `must be a non-negative safe integer, got ${String(m.size)}`)

  const c = m.chunking
  if (c === null || typeof c !== 'object') fail('chunking', 'must be an object')
  if (c.algorithm !== CHUNKING_ALGORITHM) {
    fail('chunking.algorithm', `unknown algorithm ${quote(String(c.algorithm))}, expected ${quote(CHUNKING_ALGORITHM)}`)
  }
  for (const field of ['minSize', 'avgSize', 'maxSize'] as const) {
    const v = c[field]
    if (!Number.isSafeInteger(v) || v < 1 || v > MAX_CHUNK_SIZE) {
      fail(`chunking.${field}`, `must be an integer from 1 to ${MAX_CHUNK_SIZE}, got ${String(v)}`)
    }
  }
  if (!(c.minSize <= c.avgSize && c.avgSize <= c.maxSize)) {
    fail('chunking', `needs minSize <= avgSize <= maxSize, got ${c.minSize}, ${c.avgSize}, ${c.maxSize}`)
  }

  if (!Array.isArray(m.chunks)) fail('chunks', 'must be an array')
  const limit = Math.min(maxChunks, MAX_CHUNKS_PER_MANIFEST)
  if (m.chunks.length > limit) fail('chunks', `${m.chunks.length} chunks, more than the limit of ${limit}`)
  let offset = 0
  for (let i = 0; i < m.chunks.length; i++) {
    const chunk = m.chunks[i]
    if (chunk === null || typeof chunk !== 'object') fail(`chunks[${i}]`, 'must be an object')
    checkChunkCid(chunk.cid, i, fail)
    if (!Number.isSafeInteger(chunk.length) || chunk.length < 1 || chunk.length > c.maxSize) {
      fail(`chunks[${i}].length`, `must be an integer from 1 to chunking.maxSize (${c.maxSize}), got ${String(chunk.length)}`)
    }
    if (chunk.offset !== offset) {
      fail(`chunks[${i}].offset`, `is ${String(chunk.offset)}, expected ${offset} (chunks must be contiguous from 0)`)
    }
    offset += chunk.length
    if (offset > m.size) fail(`chunks[${i}]`, `ends at byte ${offset}, past the image size ${m.size}`)
  }
  if (offset !== m.size) fail('chunks', `cover ${offset} bytes, but the image size is ${m.size}`)

  if (typeof m.createdAt !== 'string' || !ISO_TIMESTAMP.test(m.createdAt) || !sameInstant(m.createdAt)) {
    fail('createdAt', `must be an ISO-8601 UTC time as toISOString() writes it, got ${describe(m.createdAt)}`)
  }
  try {
    parsePublicKey(m.publisher)
  } catch (err) {
    throw new ManifestFormatError(`manifest.publisher: ${(err as Error).message}`, { cause: err })
  }
}

/** Checks the envelope: a valid manifest and a signature of the right shape (not whether it verifies). */
export function validateSignedManifest(m: SignedManifest, maxChunks?: number): void {
  if (m === null || typeof m !== 'object') throw new ManifestFormatError('signed manifest must be an object')
  validateManifest(m.manifest, maxChunks)
  if (!(m.signature instanceof Uint8Array) || m.signature.byteLength !== ED25519_SIGNATURE_LENGTH) {
    const got = m.signature instanceof Uint8Array ? `${m.signature.byteLength} bytes` : typeof m.signature
    throw new ManifestFormatError(`signed manifest.signature: must be ${ED25519_SIGNATURE_LENGTH} bytes, got ${got}`)
  }
}

function checkLabel(value: unknown, field: string, max: number, fail: (f: string, m: string) => never): void {
  if (typeof value !== 'string' || value.length === 0) fail(field, `must be a non-empty string, got ${describe(value)}`)
  const s = value as string
  if (s.length > max) fail(field, `is ${s.length} characters, the limit is ${max}`)
  if (!LABEL.test(s)) fail(field, `${quote(s)} may hold only letters, digits and ._+- and must start with a letter or digit`)
}

function checkChunkCid(value: unknown, i: number, fail: (f: string, m: string) => never): void {
  const cid = CID.asCID(value)
  if (cid === null) return fail(`chunks[${i}].cid`, 'must be a CID')
  if (
    cid.version !== 1 ||
    cid.code !== raw.code ||
    cid.multihash.code !== sha256.code ||
    cid.multihash.size !== SHA2_256_LENGTH
  ) {
    fail(
      `chunks[${i}].cid`,
      `must be a CIDv1 with the raw codec (0x55) and a sha2-256 hash, got v${cid.version} codec 0x${cid.code.toString(16)} ` +
        `hash 0x${cid.multihash.code.toString(16)}/${cid.multihash.size} bytes`,
    )
  }
}

function sameInstant(iso: string): boolean {
  const t = Date.parse(iso)
  return Number.isFinite(t) && new Date(t).toISOString() === iso
}

function describe(value: unknown): string {
  return typeof value === 'string' ? quote(value) : typeof value
}
