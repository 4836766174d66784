import { Injectable } from '@nestjs/common'
import { CoordinatorStore } from '../storage/coordinator-store.js'
import { CachedRepository } from '../storage/cached-repository.js'
import type { ImageRecord } from './image-record.js'

@Injectable()
export class ImagesRepository extends CachedRepository<ImageRecord> {
  constructor(store: CoordinatorStore) {
    super(store, 'images')
  }

  async findByNameVersion(name: string, version: string): Promise<ImageRecord | undefined> {
    for (const image of (await this.all()).values()) if (image.name === name && image.version === version) return image
    return undefined
  }
}
