import type { AgentState, ImageRef } from '@imgswarm/coordinator-client'
import type { HeartbeatStats } from './heartbeat-loop.js'
import type { KeptImage } from './image-activator.js'

/** Counters since the agent started. */
export interface AgentTotals {
  /** Image bytes received over the network (from seeds and peers). */
  bytesDownloaded: number
  bytesFromSeeds: number
  bytesFromPeers: number
  /** Image bytes copied from versions already on this node instead of fetched. */
  bytesReused: number
  bytesUploaded: number
  /** Chunks received and verified against their CID. */
  chunksVerified: number
  chunksRejected: number
  /** Downloads started (a reactivation of a kept version is not one). */
  fetches: number
  activations: number
  rollbacks: number
  failures: number
}

/** Progress of the work under way (zeros when there is none). */
export interface FetchProgress {
  bytesDone: number
  bytesTotal: number
  /** Bytes per second. */
  rate: number
  peers: number
  bytesFromSeed: number
  bytesFromPeers: number
}

/** A snapshot of the agent: what it reports to the coordinator and exports as metrics. */
export interface AgentStatus {
  nodeId?: string
  peerId: string
  addrs: string[]
  state: AgentState
  /** The manifest being fetched, verified or activated, or failed on; the active one when settled. */
  manifestCid?: string
  /** What the coordinator wants; undefined until it has said, null for nothing. */
  desired?: ImageRef | null
  rollback: boolean
  active?: KeptImage
  previous?: KeptImage
  progress: FetchProgress
  /** Why the last attempt on `manifestCid` failed, while `state` is `failed`. */
  error?: string
  coordinator: HeartbeatStats
  totals: AgentTotals
}
