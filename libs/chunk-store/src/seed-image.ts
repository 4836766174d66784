import { Bitfield } from '@imgswarm/core'
import type { ChunkIndex, ImageManifest } from '@imgswarm/core'
import { chunkAt } from './chunk-layout.js'
import { ImageStateError } from './errors.js'
import { storageError } from './fs-errors.js'
import { readFully } from './image-file.js'
import type { ImageFileHandle, ImageSource } from './types.js'

/**
 * A complete image served read-only from a file this node already holds (the publisher's
 * original): every chunk is available, read at its offset through one open handle.
 */
export class SeedImage implements ImageSource {
  readonly cid: string
  readonly manifest: ImageManifest
  readonly path: string
  readonly verified: Bitfield
  readonly #fh: ImageFileHandle
  readonly #onClose: () => void
  #closing: Promise<void> | undefined

  constructor(cid: string, manifest: ImageManifest, path: string, fh: ImageFileHandle, onClose: () => void) {
    this.cid = cid
    this.manifest = manifest
    this.path = path
    this.#fh = fh
    this.#onClose = onClose
    this.verified = Bitfield.full(manifest.chunks.length)
  }

  has(index: ChunkIndex): boolean {
    return this.verified.has(index)
  }

  async read(index: ChunkIndex): Promise<Uint8Array> {
    if (this.#closing !== undefined) throw new ImageStateError(`image ${this.cid} is closed: cannot read chunk ${index}`)
    const ref = chunkAt(this.manifest, index)
    try {
      return await readFully(this.#fh, ref.length, ref.offset)
    } catch (err) {
      throw storageError(err, `reading ${this.path} (chunk ${index} at offset ${ref.offset})`, this.path)
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.#fh.close().finally(this.#onClose)
    return this.#closing
  }
}
