/**
 * @packageDocumentation
 * The imgswarm node on libp2p: TCP + Noise + yamux (+ mDNS on a LAN), serving manifests and
 * chunks over `/imgswarm/manifest/1.0.0` and `/imgswarm/chunks/1.0.0`, and fetching images with
 * the fetch scheduler. `ImageSwarm` is the libp2p implementation of the scheduler's
 * `SwarmNetwork`; `SwarmNode` ties host, store and swarms together for seeds and agents.
 */
export * from './constants.js'
export { NoPeersError } from './errors.js'
export { createHost, type HostInit } from './libp2p-host.js'
export { loadOrCreatePeerKey } from './peer-identity.js'
export { buildManifest, type PublishInit, type PublishedImage } from './publish.js'
export { ImageSwarm, type ImageSwarmComponents, type ImageSwarmInit, type SessionInfo } from './image-swarm.js'
export { ImageServer, ImageTransfer, type TransferInit, type TransferProgress, type TransferStats } from './image-transfer.js'
export { SwarmNode, type ConnectionStats, type FetchManifestResult, type RedialStats, type SwarmNodeInit, type UploadStats } from './swarm-node.js'
