import type { ImageView } from '@imgswarm/coordinator-client'
import type { ImageRef } from '@imgswarm/rollout'
import type { ImageRecord } from './image-record.js'

export function toImageView(record: ImageRecord, seededByCoordinator: boolean): ImageView {
  return {
    name: record.name,
    version: record.version,
    manifestCid: record.manifestCid,
    size: record.size,
    chunkCount: record.chunkCount,
    publisher: record.publisher,
    createdAt: record.createdAt,
    registeredAt: record.registeredAt,
    ...(record.sourcePath === undefined ? {} : { sourcePath: record.sourcePath }),
    seededByCoordinator,
    seeds: record.seeds,
  }
}

export function toImageRef(record: ImageRecord): ImageRef {
  return { name: record.name, version: record.version, manifestCid: record.manifestCid }
}
