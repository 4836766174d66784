import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common'
import { InvalidInputError, NotFoundError } from '@imgswarm/core'
import type { ImageView, ManifestView, RegisterImageRequest } from '@imgswarm/coordinator-client'
import { manifestCid, openManifest } from '@imgswarm/manifest'
import type { Clock } from '../common/clock.js'
import type { CoordinatorConfig } from '../config/coordinator-config.js'
import { ConflictError, SeedingError } from '../errors.js'
import { CoordinatorStore } from '../storage/coordinator-store.js'
import { CLOCK, COORDINATOR_CONFIG, IMAGE_SEEDER } from '../tokens.js'
import type { ImageSeeder, SeedImage } from './image-seeder.js'
import type { ImageRecord } from './image-record.js'
import { toImageView } from './image-views.js'
import { ImagesRepository } from './images.repository.js'

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * Registers signed manifests (verified against the trusted publishers before anything is
 * written), hands them to the embedded seed, and answers image queries.
 */
@Injectable()
export class ImagesService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Images')
  /** Manifest CIDs the embedded seed serves. */
  private readonly seeded = new Set<string>()

  constructor(
    private readonly images: ImagesRepository,
    private readonly store: CoordinatorStore,
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
    @Inject(IMAGE_SEEDER) private readonly seeder: ImageSeeder | null,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Serves every stored image again after a restart; one failure does not stop the others. */
  async onApplicationBootstrap(): Promise<void> {
    for (const image of await this.images.list()) {
      await this.seed(image).catch((err: unknown) => {
        this.logger.warn(`cannot seed ${image.name}@${image.version} (${image.manifestCid}): ${(err as Error).message}`)
      })
    }
  }

  /**
   * Verifies and stores a signed manifest. Returns `created: false` when the same manifest was
   * registered before (its source path and seeds are then updated).
   */
  async register(request: RegisterImageRequest): Promise<{ image: ImageView; created: boolean }> {
    const bytes = decodeBase64(request.manifest)
    const signed = openManifest(bytes, { trusted: this.config.trustedPublishers })
    const cid = manifestCid(bytes).toString()
    const { manifest } = signed
    await this.checkNoConflict(manifest.name, manifest.version, cid)
    const existing = await this.images.get(cid)
    const sourcePath = request.sourcePath ?? existing?.sourcePath
    const record: ImageRecord = {
      name: manifest.name,
      version: manifest.version,
      manifestCid: cid,
      size: manifest.size,
      chunkCount: manifest.chunks.length,
      publisher: manifest.publisher,
      createdAt: manifest.createdAt,
      registeredAt: existing?.registeredAt ?? this.clock.now().toISOString(),
      manifest: Buffer.from(bytes).toString('base64'),
      ...(sourcePath === undefined ? {} : { sourcePath }),
      seeds: request.seeds?.map((s) => ({ peerId: s.peerId, addrs: [...s.addrs] })) ?? existing?.seeds ?? [],
    }
    // Seeding can take a while (the seed may index the file): outside the store lock.
    await this.seed(record).catch((err: unknown) => {
      throw new SeedingError(`the coordinator's seed cannot serve ${manifest.name}@${manifest.version}: ${(err as Error).message}`, {
        cause: err,
      })
    })
    await this.store.exclusive(async () => {
      await this.checkNoConflict(manifest.name, manifest.version, cid)
      await this.images.save(cid, record, { sync: true })
    })
    this.logger.log(`registered ${manifest.name}@${manifest.version} as ${cid}`)
    return { image: toImageView(record, this.seeded.has(cid)), created: existing === undefined }
  }

  async list(): Promise<ImageView[]> {
    const all = await this.images.list()
    all.sort((a, b) => cmp(a.name, b.name) || cmp(a.registeredAt, b.registeredAt) || cmp(a.version, b.version))
    return all.map((r) => toImageView(r, this.seeded.has(r.manifestCid)))
  }

  async get(name: string, version: string): Promise<ImageView> {
    const record = await this.images.findByNameVersion(name, version)
    if (record === undefined) throw new NotFoundError(`image ${name}@${version} is not registered`)
    return toImageView(record, this.seeded.has(record.manifestCid))
  }

  async manifest(cid: string): Promise<ManifestView> {
    const record = await this.images.get(cid)
    if (record === undefined) throw new NotFoundError(`no image is registered with manifest ${cid}`)
    return { image: toImageView(record, this.seeded.has(cid)), manifest: record.manifest }
  }

  /** True while the embedded seed serves this manifest. */
  isSeeded(cid: string): boolean {
    return this.seeded.has(cid)
  }

  private async seed(record: ImageRecord): Promise<void> {
    if (this.seeder === null) return
    const image: SeedImage = {
      name: record.name,
      version: record.version,
      manifestCid: record.manifestCid,
      manifestBytes: new Uint8Array(Buffer.from(record.manifest, 'base64')),
      ...(record.sourcePath === undefined ? {} : { sourcePath: record.sourcePath }),
    }
    await this.seeder.serve(image)
    this.seeded.add(record.manifestCid)
  }

  private async checkNoConflict(name: string, version: string, cid: string): Promise<void> {
    const same = await this.images.findByNameVersion(name, version)
    if (same !== undefined && same.manifestCid !== cid) {
      throw new ConflictError(
        `${name}@${version} is already registered with manifest ${same.manifestCid}; publish the new content under a new version`,
      )
    }
  }
}

function decodeBase64(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '')
  if (compact === '' || compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new InvalidInputError('manifest must be the encoded signed manifest in base64')
  }
  return new Uint8Array(Buffer.from(compact, 'base64'))
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
