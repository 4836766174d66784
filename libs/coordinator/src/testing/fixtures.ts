// Test fixtures shared by this library's specs (not exported from the package).
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChunkRef } from '@imgswarm/core'
import { createSignedManifest, generatePublisherKey, type PublisherKey } from '@imgswarm/manifest'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import type { ImageSeeder, SeedImage } from '../images/image-seeder.js'

export const ADMIN_TOKEN = 'admin-token-0123456789abcdef'
export const ENROLMENT_TOKEN = 'enrolment-token-0123456789abcdef'

export const publisher: PublisherKey = generatePublisherKey()

export interface SignedImage {
  name: string
  version: string
  cid: string
  bytes: Uint8Array
  base64: string
}

/** A real signed manifest of a made-up image (chunk CIDs of derived bytes). */
export function signedImage(name: string, version: string, key: PublisherKey = publisher, chunks = 4): SignedImage {
  const refs: ChunkRef[] = []
  const length = 256 * 1024
  for (let i = 0; i < chunks; i++) {
    const digest = createHash('sha256').update(`${name}@${version} chunk ${i}`).digest()
    refs.push({ cid: CID.createV1(raw.code, Digest.create(sha256.code, new Uint8Array(digest))), offset: i * length, length })
  }
  const created = createSignedManifest(
    {
      name,
      version,
      size: chunks * length,
      chunking: { algorithm: 'fastcdc-gear-v1', minSize: 64 * 1024, avgSize: 256 * 1024, maxSize: 1024 * 1024 },
      chunks: refs,
      createdAt: '2026-11-01T00:00:00.000Z',
    },
    key,
  )
  return { name, version, cid: created.cid.toString(), bytes: created.bytes, base64: Buffer.from(created.bytes).toString('base64') }
}

/** A seeder that records what it is asked to serve; `failWith` makes it refuse. */
export class RecordingSeeder implements ImageSeeder {
  readonly served: SeedImage[] = []
  failWith?: string

  async serve(image: SeedImage): Promise<void> {
    if (this.failWith !== undefined) throw new Error(this.failWith)
    this.served.push(image)
  }

  info() {
    return { peerId: '12D3KooWSeedSeedSeedSeedSeedSeedSeedSeedSeedSeed', addrs: ['/ip4/127.0.0.1/tcp/4001'] }
  }
}

/** A fresh temporary directory and its removal. */
export async function tempDir(prefix = 'imgswarm-coordinator-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}
