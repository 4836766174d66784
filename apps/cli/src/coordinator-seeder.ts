import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { isChunkValid } from '@imgswarm/chunker'
import { verifyFile } from '@imgswarm/chunk-store'
import { InvalidInputError } from '@imgswarm/core'
import type { ImageSeeder, SeedImage, SeederInfo } from '@imgswarm/coordinator'
import { openManifest, parseManifestCid } from '@imgswarm/manifest'
import type { SwarmNode } from '@imgswarm/swarm-node'
import type { Logger } from './logger.js'

/** The file named as an image's source does not hold the bytes its manifest describes. */
export class SourceImageMismatchError extends InvalidInputError {
  static override name = 'SourceImageMismatchError'
}

export interface CoordinatorSeederInit {
  /** The embedded seed node (started and stopped by the caller). */
  node: SwarmNode
  /** Publisher keys whose manifests the seed serves: the coordinator's trusted publishers. */
  trusted: readonly string[]
  logger: Logger
}

/**
 * The coordinator's `ImageSeeder` port on a libp2p `SwarmNode`. An image registered with a
 * `sourcePath` is served from that file under exactly the registered manifest; the file is
 * checked chunk by chunk the first time (not again after a restart, while it is the same file,
 * same inode and creation time). An image without a source path is served from the seed's store
 * when it holds it; otherwise the seed only answers for its manifest and the seeds named at
 * registration serve its chunks.
 */
export class CoordinatorSeeder implements ImageSeeder {
  readonly #node: SwarmNode
  readonly #trusted: readonly string[]
  readonly #log: Logger

  constructor(init: CoordinatorSeederInit) {
    this.#node = init.node
    this.#trusted = init.trusted
    this.#log = init.logger
  }

  async serve(image: SeedImage): Promise<void> {
    const label = `${image.name}@${image.version}`
    const cid = parseManifestCid(image.manifestCid).toString()
    if (image.sourcePath === undefined) {
      const record = await this.#node.store.image(cid)
      if (record?.state === 'complete') {
        await this.#node.serveStored(cid, this.#trusted)
        this.#log.info(`seeding ${label} from ${record.path}`)
        return
      }
      openManifest(image.manifestBytes, { expectedCid: parseManifestCid(cid), trusted: [...this.#trusted] })
      await this.#node.store.putManifest(cid, image.manifestBytes)
      this.#log.info(`${label} has no source file on this host: the seeds named at registration serve its chunks`)
      return
    }
    const path = resolve(image.sourcePath)
    if (!(await this.#sameFileAsRecorded(cid, path))) await this.#checkSource(cid, image.manifestBytes, path)
    await this.#node.serveManifest(cid, image.manifestBytes, path, this.#trusted)
    this.#log.info(`seeding ${label} (${cid}) from ${path}`)
  }

  info(): SeederInfo {
    return { peerId: this.#node.peerId, addrs: this.#node.addrs() }
  }

  /** True when the seed already served this image from this very file (a restart). */
  async #sameFileAsRecorded(cid: string, path: string): Promise<boolean> {
    const record = await this.#node.store.image(cid)
    if (record === undefined || record.origin !== 'seed' || record.path !== path) return false
    const info = await stat(path).catch(() => undefined)
    return info !== undefined && info.ino === record.ino && info.birthtimeMs === record.birthtimeMs && info.size === record.size
  }

  async #checkSource(cid: string, manifestBytes: Uint8Array, path: string): Promise<void> {
    const manifest = openManifest(manifestBytes, { expectedCid: parseManifestCid(cid), trusted: [...this.#trusted] }).manifest
    const started = Date.now()
    const result = await verifyFile(path, manifest, (ref, bytes) => isChunkValid(ref.cid, bytes))
    if (result.size !== manifest.size) {
      throw new SourceImageMismatchError(`${path} is ${result.size} bytes but manifest ${cid} says ${manifest.size}`)
    }
    if (!result.ok) {
      throw new SourceImageMismatchError(
        `${path} does not match manifest ${cid}: ${result.badChunks.length} of ${manifest.chunks.length} chunks differ ` +
          `(first at index ${result.badChunks[0]}); was the file changed after publishing?`,
      )
    }
    this.#log.debug(`checked ${path} against ${cid} in ${Date.now() - started} ms`)
  }
}
