/**
 * @packageDocumentation
 * The fetch scheduler: which chunk to ask of which peer, how many requests to keep in flight,
 * what to do when a peer is slow, lies or leaves, and how to serve others fairly. It knows
 * nothing of libp2p: it drives a `SwarmNetwork` and receives `SwarmEvents` (see `network.ts`),
 * reads and writes chunks through `ChunkSource`/`ChunkSink`, and reads time from a `Clock`, so
 * the same code runs over libp2p, in unit tests and in a 10,000-node simulation.
 *
 * @example
 * ```ts
 * const downloader = new Downloader({ chunks: manifest.chunks, sink: store, verify, network, site })
 * const uploader = new Uploader({ source: store, network })
 * swarm.attach(downloader)
 * swarm.attach(uploader)
 * await downloader.start() // every chunk verified and written
 * ```
 */
export * from './constants.js'
export { DownloadStoppedError, SchedulerConfigError, SimulationError } from './errors.js'
export type { PeerHello, PeerKey, RejectReason, SwarmEvents, SwarmNetwork } from './network.js'
export type { ChunkSink, ChunkSource, ChunkVerifier } from './storage.js'
export { systemClock, type Clock, type TimerHandle } from './clock.js'
export { createRandom, type RandomSource } from './random.js'
export { TokenBucket } from './token-bucket.js'
export { SlidingWindowRate } from './rate-meter.js'
export { InflightController, inflightControllerConfig, type InflightControllerConfig, type InflightControllerInit } from './inflight-controller.js'
export { RarestFirstPicker, type PickOptions } from './rarest-first-picker.js'
export { Downloader, type DownloaderInit } from './downloader.js'
export type { DownloadProgress, DownloadStats, PeerTransferStats } from './download-stats.js'
export { Uploader, type PeerUploadStats, type UploadStats, type UploaderInit } from './uploader.js'
export type { ServeContext, ServePolicy } from './serve-policy.js'
export { ServeQueue, type ServeCandidate } from './serve-queue.js'
export { DefaultServePolicy } from './default-serve-policy.js'
export { SeedServePolicy, type SeedServePolicyInit } from './seed-serve-policy.js'
export { EventQueue, type VirtualEvent } from './event-queue.js'
export { SimulatedSwarm, SimNode, type RunOptions, type RunResult, type SimNodeInit, type SimulatedSwarmInit } from './memory-network.js'
export { MemoryChunkStore, type MemoryChunkStoreInit } from './memory-chunk-store.js'
export { simulateSwarm, type SwarmSample, type SwarmSimulationInit, type SwarmSimulationResult } from './swarm-simulation.js'
export { BusyRate } from './busy-rate.js'
