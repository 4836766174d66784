import { createHash } from 'node:crypto'
import { ChunkHashMismatchError, chunkPieces, type ChunkBytes } from '@imgswarm/core'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'

const SHA256_LENGTH = 32

/** The CID of a chunk whose sha2-256 digest is `digest` (CIDv1, raw codec). */
export function cidFromSha256(digest: Uint8Array): CID {
  return CID.createV1(raw.code, createDigest(sha256.code, digest))
}

/** A chunk's id: CIDv1, `raw` codec, sha2-256 multihash (hashed with node:crypto). */
export function chunkCid(bytes: Uint8Array): CID {
  return cidFromSha256(createHash('sha256').update(bytes).digest())
}

/**
 * True if `bytes` is the chunk `cid` names; false for other bytes or a CID that is not raw/sha2-256.
 * Pieces are hashed where they lie, in order (no copy into one array).
 */
export function isChunkValid(cid: CID, bytes: ChunkBytes): boolean {
  return isRawSha256(cid) && digestMatches(cid.multihash.digest, bytes)
}

/**
 * Throws ChunkHashMismatchError unless `bytes` hash to `cid`, or if `cid` is not a chunk CID
 * (CIDv1, raw codec, sha2-256): every chunk fetched from a peer goes through this.
 */
export function verifyChunk(cid: CID, bytes: ChunkBytes): void {
  if (!isRawSha256(cid)) {
    throw new ChunkHashMismatchError(
      `${cid.toString()} is not a chunk CID (want CIDv1, raw codec 0x55, sha2-256; ` +
        `got v${cid.version}, codec 0x${cid.code.toString(16)}, hash 0x${cid.multihash.code.toString(16)})`,
    )
  }
  if (!digestMatches(cid.multihash.digest, bytes)) {
    throw new ChunkHashMismatchError(`chunk ${cid.toString()}: the ${bytes.byteLength} bytes received hash to something else`)
  }
}

function isRawSha256(cid: CID): boolean {
  return (
    cid.version === 1 &&
    cid.code === raw.code &&
    cid.multihash.code === sha256.code &&
    cid.multihash.digest.byteLength === SHA256_LENGTH
  )
}

function digestMatches(expected: Uint8Array, bytes: ChunkBytes): boolean {
  const hash = createHash('sha256')
  for (const piece of chunkPieces(bytes)) hash.update(piece)
  // One 32-byte Buffer is the only allocation; equals() compares without copying `expected`.
  return hash.digest().equals(expected)
}
