import type { ChunkBytes, ChunkIndex, ImageManifest } from '@imgswarm/core'
import type { ImageDownload, ImageSource } from '@imgswarm/chunk-store'
import { isChunkValid } from '@imgswarm/chunker'
import {
  DefaultServePolicy,
  Downloader,
  SeedServePolicy,
  Uploader,
  type DownloaderInit,
  type DownloadStats,
  type UploaderInit,
} from '@imgswarm/fetch-scheduler'
import type { Logger } from 'pino'
import type { ImageSwarm } from './image-swarm.js'

/** Tunables passed through to the scheduler and the store (tests and benchmarks set them). */
export interface TransferInit {
  flushChunks?: number
  flushIntervalMs?: number
  downloader?: Partial<Omit<DownloaderInit, 'sink' | 'verify' | 'network' | 'chunks' | 'chunkLengths'>>
  uploader?: Partial<Omit<UploaderInit, 'source' | 'network' | 'policy'>>
}

/** Serves one image's verified chunks to the swarm (every node does, seeds and agents alike). */
export class ImageServer {
  private readonly uploader: Uploader

  constructor(
    private readonly init: TransferInit & {
      swarm: ImageSwarm
      source: ImageSource
      seed: boolean
      uploadRateBps?: number
      log: Logger
    },
  ) {
    const chunkCount = init.source.manifest.chunks.length
    this.uploader = new Uploader({
      ...init.uploader,
      source: init.source,
      network: init.swarm,
      // A seed steers its uplink to chunks no peer has yet; others serve in request order.
      policy: init.seed ? new SeedServePolicy({ chunkCount }) : new DefaultServePolicy(),
      maxUploadRate: init.uploadRateBps,
      onError: (err, index) => init.log.warn({ index, err: (err as Error).message }, 'reading a chunk to serve failed'),
    })
  }

  start(): void {
    this.init.swarm.attach(this.uploader)
  }

  stop(): void {
    this.init.swarm.detach(this.uploader)
    this.uploader.stop()
  }

  stats(): { bytesUploaded: number; chunksUploaded: number } {
    const s = this.uploader.stats
    return { bytesUploaded: s.bytesUploaded, chunksUploaded: s.chunksUploaded }
  }
}

/** Counters of one fetch, as reported by `imgswarm fetch --json` and asserted by tests. */
export interface TransferStats {
  chunksTotal: number
  bytesTotal: number
  /** Chunks already verified on disk when this run started (resume). */
  chunksAlreadyHad: number
  /** Chunks received and verified in this run. */
  chunksFetched: number
  bytesDownloaded: number
  bytesFromSeeds: number
  bytesFromPeers: number
  bytesFromSameSite: number
  /** Chunks refused because their bytes did not match the manifest. */
  chunksRejected: number
  duplicateChunks: number
  reRequests: number
  timeouts: number
  peersBanned: number
}

/** A snapshot for progress displays. */
export interface TransferProgress {
  bytesDone: number
  bytesTotal: number
  rateBps: number
  peers: number
}

/**
 * Fetches one image: the downloader over the image swarm, each chunk verified against its CID
 * before it is written, the partial file finalized (renamed into place) once complete.
 */
export class ImageTransfer {
  /** Resolves once the image is complete, verified and at its output path. */
  readonly done: Promise<void>
  private readonly downloader: Downloader

  constructor(
    private readonly init: TransferInit & {
      swarm: ImageSwarm
      download: ImageDownload
      manifest: ImageManifest
      out: string
      site?: string
      downloadRateBps?: number
      log: Logger
    },
  ) {
    const chunks = init.manifest.chunks
    this.downloader = new Downloader({
      ...init.downloader,
      chunks,
      sink: init.download,
      verify: (index: ChunkIndex, bytes: ChunkBytes) => isChunkValid(chunks[index].cid, bytes),
      network: init.swarm,
      site: init.site,
      maxDownloadRate: init.downloadRateBps,
    })
    this.done = this.run()
    // `done` is awaited by the caller; never let a failure surface as an unhandled rejection first
    this.done.catch(() => {})
  }

  start(): void {
    this.init.swarm.attach(this.downloader)
  }

  stop(): void {
    this.init.swarm.detach(this.downloader)
    this.downloader.stop()
  }

  progress(): TransferProgress {
    const s = this.downloader.stats
    return { bytesDone: s.bytesVerified, bytesTotal: s.bytesTotal, rateBps: s.rate, peers: this.init.swarm.peerCount }
  }

  stats(): TransferStats {
    return toTransferStats(this.downloader.stats)
  }

  private async run(): Promise<void> {
    const { download, out, log } = this.init
    if (!download.finalized) {
      await this.downloader.start()
      log.debug('all chunks verified; finalizing')
      await download.finalize(out)
    }
    this.init.swarm.detach(this.downloader)
  }
}

function toTransferStats(s: DownloadStats): TransferStats {
  return {
    chunksTotal: s.chunksTotal,
    bytesTotal: s.bytesTotal,
    chunksAlreadyHad: s.chunksResumed,
    chunksFetched: s.chunksReceived,
    bytesDownloaded: s.bytesReceived + s.duplicateBytes,
    bytesFromSeeds: s.bytesFromSeeds,
    bytesFromPeers: s.bytesFromPeers,
    bytesFromSameSite: s.bytesFromSameSite,
    chunksRejected: s.failedVerification,
    duplicateChunks: s.duplicateChunks,
    reRequests: s.reRequests,
    timeouts: s.timeouts,
    peersBanned: s.bannedPeers,
  }
}
