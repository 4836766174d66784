import { InvalidInputError } from '@imgswarm/core'
import {
  CHUNK_FRAME_OVERHEAD,
  DEFAULT_MAX_ADDR_LENGTH,
  DEFAULT_MAX_ADDRS_PER_PEER,
  DEFAULT_MAX_CHUNK_BYTES,
  DEFAULT_MAX_CHUNK_COUNT,
  DEFAULT_MAX_CID_BYTES,
  DEFAULT_MAX_CONTROL_MESSAGE_BYTES,
  DEFAULT_MAX_GOODBYE_MESSAGE_LENGTH,
  DEFAULT_MAX_INDICES_PER_MESSAGE,
  DEFAULT_MAX_PEER_ID_LENGTH,
  DEFAULT_MAX_PEERS_PER_MESSAGE,
  DEFAULT_MAX_SITE_LENGTH,
} from './constants.js'

/** Every bound a chunk-protocol message is checked against, on encode and on decode. */
export interface WireLimits {
  /** Largest Chunk payload, bytes. */
  maxChunkBytes: number
  /** Largest frame of any other message, bytes. */
  maxControlMessageBytes: number
  /** Largest chunk count a Hello may announce (bounds the bitfield). */
  maxChunkCount: number
  /** Most indices in one Have, Request or Cancel. */
  maxIndicesPerMessage: number
  maxPeersPerMessage: number
  /** Most addresses per peer in Peers, and in a Hello's listen addresses. */
  maxAddrsPerPeer: number
  maxAddrLength: number
  maxPeerIdLength: number
  maxSiteLength: number
  maxGoodbyeMessageLength: number
  maxCidBytes: number
  /**
   * The session's chunk count once known (from the Hello exchange): indices must be below it and
   * a Hello must announce exactly it. Unset, indices are only bounded by `maxChunkCount`.
   */
  chunkCount?: number
}

export const DEFAULT_WIRE_LIMITS: Readonly<WireLimits> = Object.freeze({
  maxChunkBytes: DEFAULT_MAX_CHUNK_BYTES,
  maxControlMessageBytes: DEFAULT_MAX_CONTROL_MESSAGE_BYTES,
  maxChunkCount: DEFAULT_MAX_CHUNK_COUNT,
  maxIndicesPerMessage: DEFAULT_MAX_INDICES_PER_MESSAGE,
  maxPeersPerMessage: DEFAULT_MAX_PEERS_PER_MESSAGE,
  maxAddrsPerPeer: DEFAULT_MAX_ADDRS_PER_PEER,
  maxAddrLength: DEFAULT_MAX_ADDR_LENGTH,
  maxPeerIdLength: DEFAULT_MAX_PEER_ID_LENGTH,
  maxSiteLength: DEFAULT_MAX_SITE_LENGTH,
  maxGoodbyeMessageLength: DEFAULT_MAX_GOODBYE_MESSAGE_LENGTH,
  maxCidBytes: DEFAULT_MAX_CID_BYTES,
})

/** The defaults with `init` applied; refuses limits that are not positive integers. */
export function wireLimits(init: Partial<WireLimits> = {}): WireLimits {
  const limits: WireLimits = { ...DEFAULT_WIRE_LIMITS }
  for (const [key, value] of Object.entries(init) as Array<[keyof WireLimits, number | undefined]>) {
    if (value === undefined) continue
    if (!(key in DEFAULT_WIRE_LIMITS) && key !== 'chunkCount') {
      throw new InvalidInputError(`unknown wire limit "${key}"`)
    }
    const min = key === 'chunkCount' ? 0 : 1
    if (!Number.isSafeInteger(value) || value < min) {
      throw new InvalidInputError(`wire limit ${key} must be an integer >= ${min}, got ${value}`)
    }
    limits[key] = value
  }
  return limits
}

/** Largest frame the chunk protocol accepts under these limits: a full chunk or a control message. */
export function maxChunkProtocolFrameBytes(limits: WireLimits): number {
  return Math.max(limits.maxChunkBytes + CHUNK_FRAME_OVERHEAD, limits.maxControlMessageBytes)
}
