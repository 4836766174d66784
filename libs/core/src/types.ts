import type { CID } from 'multiformats/cid'

/** Position of a chunk in a manifest's ordered chunk list; the unit the wire protocol speaks in. */
export type ChunkIndex = number

/** One content-defined piece of an image: its CID (CIDv1, raw, sha2-256) and where it sits. */
export interface ChunkRef {
  cid: CID
  /** Byte offset of the chunk in the image. */
  offset: number
  /** Length in bytes (bounded by the chunking parameters). */
  length: number
}

/** Parameters of the content-defined chunker, recorded in every manifest. */
export interface ChunkingParams {
  algorithm: 'fastcdc-gear-v1'
  minSize: number
  avgSize: number
  maxSize: number
}

/** What a publisher signs: everything needed to fetch, verify and assemble one image version. */
export interface ImageManifest {
  /** Manifest format version, bumped on incompatible change. */
  format: 1
  name: string
  version: string
  /** Total image size in bytes. */
  size: number
  chunking: ChunkingParams
  chunks: ChunkRef[]
  /** ISO-8601 creation time. */
  createdAt: string
  /** Publisher's ed25519 public key as a multibase (base58btc) multicodec key, `z6Mk…`. */
  publisher: string
}

/** A manifest with the publisher's ed25519 signature over its canonical encoding. */
export interface SignedManifest {
  manifest: ImageManifest
  signature: Uint8Array
}

/** A peer in the swarm, as the scheduler and the coordinator know it. */
export interface PeerInfo {
  /** libp2p peer id as a string. */
  id: string
  /** Multiaddrs as strings. */
  addrs: string[]
  /** Labels such as `site=plant-3`, `region=eu`. */
  labels?: Record<string, string>
}
