import { InvalidInputError, type ChunkingParams, type ChunkRef, type ImageManifest, type SignedManifest } from '@imgswarm/core'
import type { CID } from 'multiformats/cid'
import { encodeSignedManifest, manifestCid } from './codec.js'
import type { PublisherKey } from './publisher-key.js'
import { MANIFEST_FORMAT } from './schema.js'
import { isSignatureValid, signManifest } from './signature.js'

/** What a publisher supplies; format and publisher key are filled in. */
export interface ManifestInit {
  name: string
  version: string
  size: number
  chunking: ChunkingParams
  /** In image order, contiguous from offset 0. */
  chunks: ChunkRef[]
  /** Defaults to now. */
  createdAt?: Date | string
}

export interface CreatedManifest {
  manifest: SignedManifest
  /** Canonical encoded bytes: what is stored and sent. */
  bytes: Uint8Array
  /** The manifest's name everywhere. */
  cid: CID
}

/**
 * Builds, validates and signs a manifest. Invalid input (bad name, chunks not contiguous, sizes
 * that disagree…) is refused before anything is signed, and the signature is checked once so a
 * faulty signer cannot publish a manifest no agent would accept.
 */
export function createSignedManifest(init: ManifestInit, key: PublisherKey): CreatedManifest {
  const manifest: ImageManifest = {
    format: MANIFEST_FORMAT,
    name: init.name,
    version: init.version,
    size: init.size,
    chunking: {
      algorithm: init.chunking.algorithm,
      minSize: init.chunking.minSize,
      avgSize: init.chunking.avgSize,
      maxSize: init.chunking.maxSize,
    },
    chunks: init.chunks.map((c) => ({ cid: c.cid, offset: c.offset, length: c.length })),
    createdAt: timestamp(init.createdAt),
    publisher: key.publicKey,
  }
  const signed: SignedManifest = { manifest, signature: signManifest(manifest, key) }
  const bytes = encodeSignedManifest(signed)
  if (!isSignatureValid(signed)) {
    throw new InvalidInputError(`the publisher key ${key.publicKey} produced a signature that does not verify`)
  }
  return { manifest: signed, bytes, cid: manifestCid(bytes) }
}

function timestamp(value: Date | string | undefined): string {
  if (value === undefined) return new Date().toISOString()
  if (typeof value === 'string') return value
  if (value instanceof Date && Number.isFinite(value.getTime())) return value.toISOString()
  throw new InvalidInputError(`createdAt must be a valid Date or ISO-8601 string, got ${String(value)}`)
}
