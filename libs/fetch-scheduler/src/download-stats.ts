import type { PeerKey, RejectReason } from './network.js'

/** What one peer delivered to us (kept after it leaves, for "where did the bytes come from"). */
export interface PeerTransferStats {
  chunks: number
  bytes: number
  seed: boolean
  site?: string
}

/** Counters of one download; a snapshot from `Downloader.stats`. */
export interface DownloadStats {
  chunksTotal: number
  bytesTotal: number
  /** Verified and written, including chunks the sink already had at start. */
  chunksVerified: number
  bytesVerified: number
  /** Chunks the sink already held when the download started (resume). */
  chunksResumed: number
  /** Chunks received and verified in this session (each handed to the sink once). */
  chunksReceived: number
  bytesReceived: number
  /** Chunks that arrived after we already had them (endgame, late answers). */
  duplicateChunks: number
  duplicateBytes: number
  /** Chunks whose bytes did not match the manifest (each got its sender banned). */
  failedVerification: number
  /** Chunk requests sent (a request for several chunks counts each). */
  requests: number
  /**
   * Requests for a chunk whose earlier request ended without it (timeout, any reject including
   * 'busy', the peer left or was banned): how often work moved to another peer.
   */
  reRequests: number
  /** Extra requests sent in endgame for chunks already requested elsewhere. */
  endgameRequests: number
  /** Requests we withdrew (duplicates once the chunk arrived, timeouts, stop). */
  cancelledRequests: number
  timeouts: number
  rejects: Record<RejectReason, number>
  bytesFromSeeds: number
  bytesFromPeers: number
  /** Part of `bytesFromPeers` that came from peers of our own site. */
  bytesFromSameSite: number
  /** Peers in the session now. */
  peers: number
  bannedPeers: number
  /** Events that broke the protocol (bitfield of the wrong length, index out of range); ignored. */
  protocolErrors: number
  /** Useful bytes per second over the last few seconds. */
  rate: number
  perPeer: Map<PeerKey, PeerTransferStats>
}

/** What a progress callback receives. */
export interface DownloadProgress {
  chunksVerified: number
  chunksTotal: number
  bytesVerified: number
  bytesTotal: number
  /** Bytes per second over the last few seconds. */
  rate: number
  peers: number
  bytesFromSeeds: number
  bytesFromPeers: number
  done: boolean
}

export function emptyRejectCounts(): Record<RejectReason, number> {
  return { 'not-have': 0, busy: 0, elsewhere: 0, 'shutting-down': 0 }
}
