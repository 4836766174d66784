import { stat } from 'node:fs/promises'
import { InvalidInputError } from '@imgswarm/core'
import type { SignedManifest } from '@imgswarm/core'
import { DEFAULT_CHUNKING, chunkFile } from '@imgswarm/chunker'
import { createSignedManifest, type PublisherKey } from '@imgswarm/manifest'

export interface PublishInit {
  name: string
  version: string
  key: PublisherKey
  signal?: AbortSignal
  onProgress?: (bytesChunked: number) => void
}

export interface PublishedImage {
  /** Manifest CID as a string: the name of this image version everywhere. */
  cid: string
  manifest: SignedManifest
  /** The encoded signed manifest. */
  bytes: Uint8Array
}

/**
 * Cuts an image file into content-defined chunks and signs its manifest. Streams the file:
 * memory stays bounded whatever the image size.
 */
export async function buildManifest(path: string, init: PublishInit): Promise<PublishedImage> {
  let size: number
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new InvalidInputError(`${path} is not a regular file`)
    size = info.size
  } catch (err) {
    if (err instanceof InvalidInputError) throw err
    throw new InvalidInputError(`cannot read image file ${path}: ${(err as Error).message}`, { cause: err })
  }
  if (size === 0) throw new InvalidInputError(`image file ${path} is empty`)
  const chunks = await chunkFile(path, DEFAULT_CHUNKING, { signal: init.signal, onProgress: init.onProgress })
  const created = createSignedManifest(
    { name: init.name, version: init.version, size, chunking: DEFAULT_CHUNKING, chunks },
    init.key,
  )
  return { cid: created.cid.toString(), manifest: created.manifest, bytes: created.bytes }
}
