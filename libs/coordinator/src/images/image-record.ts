import type { SeedPeer } from '@imgswarm/coordinator-client'

/** A registered image version, as stored (key: manifest CID). */
export interface ImageRecord {
  name: string
  version: string
  manifestCid: string
  size: number
  chunkCount: number
  publisher: string
  createdAt: string
  registeredAt: string
  /** The encoded signed manifest, base64: served to agents and re-seeded at start-up. */
  manifest: string
  sourcePath?: string
  seeds: SeedPeer[]
}
