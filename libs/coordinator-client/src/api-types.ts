// The coordinator's REST API as plain TypeScript types. The service's validated DTO classes
// implement the request types, and the client returns the response types, so they cannot drift.
import type { ImageRef, NodeRolloutState, RolloutEvent, RolloutStatus } from '@imgswarm/rollout'

export type { ImageRef, NodeRolloutState, RolloutEvent, RolloutStatus }

/** Body of every error response. `message` is a list for body validation errors. */
export interface ApiErrorBody {
  statusCode: number
  error: string
  message: string | string[]
  /** Stable machine-readable code (`ERR_…`) when the error came from imgswarm itself. */
  code?: string
}

// ---- images ---------------------------------------------------------------------------------

/** A libp2p peer that serves an image (a standalone `imgswarm seed`). */
export interface SeedPeer {
  peerId: string
  addrs: string[]
}

/** `POST /api/v1/images` (admin). */
export interface RegisterImageRequest {
  /** The encoded signed manifest, base64. */
  manifest: string
  /** Path of the image file on the coordinator's host, for its embedded seed to serve. */
  sourcePath?: string
  /** Other seeds serving the image, handed to agents after peers. */
  seeds?: SeedPeer[]
}

export interface ImageView {
  name: string
  version: string
  manifestCid: string
  size: number
  chunkCount: number
  publisher: string
  createdAt: string
  registeredAt: string
  sourcePath?: string
  /** True while the coordinator's embedded seed serves this image. */
  seededByCoordinator: boolean
  seeds: SeedPeer[]
}

/** `GET /api/v1/manifests/:cid`: the image and its encoded signed manifest (base64). */
export interface ManifestView {
  image: ImageView
  manifest: string
}

// ---- nodes ----------------------------------------------------------------------------------

/** What an agent is doing, as it reports in heartbeats. */
export type AgentState = 'idle' | 'downloading' | 'verifying' | 'active' | 'failed'

/** `POST /api/v1/nodes/enrol` (enrolment token). */
export interface EnrolRequest {
  /** Display name, e.g. the host name. */
  name?: string
  labels?: Record<string, string>
  peerId?: string
  addrs?: string[]
}

export interface EnrolResponse {
  nodeId: string
  /** Bearer token for this node's later calls; shown once, stored hashed by the coordinator. */
  credential: string
  heartbeatIntervalMs: number
  /** Publisher keys (`z6Mk…`) whose manifests the agent should accept. */
  trustedPublishers: string[]
}

/** `PUT /api/v1/nodes/:id` (that node): peer identity, addresses and labels after a restart. */
export interface UpdateNodeRequest {
  name?: string
  labels?: Record<string, string>
  peerId?: string
  addrs?: string[]
}

/** `POST /api/v1/nodes/:id/heartbeat` (that node). Byte counts are of the manifest worked on. */
export interface HeartbeatRequest {
  state: AgentState
  /** Manifest the agent is fetching, verifying, or failed on. */
  manifestCid?: string
  bytesDone?: number
  bytesTotal?: number
  /** Download rate, bytes per second. */
  rate?: number
  /** Peers connected for this manifest. */
  peers?: number
  bytesFromSeed?: number
  bytesFromPeers?: number
  /** Why the agent failed, when `state` is `failed`. */
  error?: string
  activeManifestCid?: string
  /** Version kept for rollback. */
  previousManifestCid?: string
  peerId?: string
  addrs?: string[]
}

export interface HeartbeatResponse {
  nodeId: string
  /** The image the node should run; null when no rollout has reached it. */
  desired: ImageRef | null
  rolloutId: string | null
  /** The deciding rollout was rolled back: reactivate the previous version kept locally. */
  rollback: boolean
  heartbeatIntervalMs: number
  trustedPublishers: string[]
}

/** The latest heartbeat of a node, as stored. */
export interface NodeProgress {
  state: AgentState
  manifestCid?: string
  bytesDone: number
  bytesTotal: number
  rate: number
  peers: number
  bytesFromSeed: number
  bytesFromPeers: number
  error?: string
  activeManifestCid?: string
  previousManifestCid?: string
  /** When the coordinator received it. */
  at: string
}

export interface NodeView {
  id: string
  name?: string
  labels: Record<string, string>
  peerId?: string
  addrs: string[]
  enrolledAt: string
  lastHeartbeatAt?: string
  /** No heartbeat within the timeout: its last report stands but it may be down. */
  stale: boolean
  progress?: NodeProgress
  /** What the coordinator wants it to run now. */
  desired: ImageRef | null
}

// ---- swarm hints ----------------------------------------------------------------------------

export type PeerHintKind = 'same-site' | 'same-region' | 'other' | 'seed'

export interface PeerHint {
  peerId: string
  addrs: string[]
  kind: PeerHintKind
  /** Absent for seeds that are not enrolled nodes. */
  nodeId?: string
  site?: string
  region?: string
  /** Holds the whole image (seeds, nodes with it active or kept). */
  complete: boolean
}

/** `GET /api/v1/swarm/hints?manifest=<cid>[&limit=n]` (node or admin). Peers, then seeds. */
export interface HintsResponse {
  manifestCid: string
  peers: PeerHint[]
}

// ---- rollouts -------------------------------------------------------------------------------

/** `POST /api/v1/rollouts` (admin). */
export interface CreateRolloutRequest {
  /** Image name, as registered. */
  image: string
  version: string
  /** `site=plant-3,region=eu`, or `*` for every node. */
  selector: string
  /** Cumulative: `10%,50%,100%`, or counts then percentages: `5,20,100%`. */
  waves: string
  /** `5%` of the nodes started so far, or a count such as `2`. Default `0`: any failure halts. */
  maxFailures?: string
}

export type NodeStateCounts = Record<NodeRolloutState, number>

export interface WaveView {
  index: number
  size: number
  status: 'waiting' | 'in-progress' | 'settled'
  startedAt?: string
  settledAt?: string
  counts: NodeStateCounts
  nodeIds: string[]
}

export interface RolloutNodeView {
  nodeId: string
  name?: string
  wave: number
  state: NodeRolloutState
  reason?: string
  labels: Record<string, string>
  /** What this rollout asks the node to run (absent until its wave starts). */
  target?: ImageRef | null
  from: ImageRef | null
  rollback: boolean
  stale: boolean
  lastHeartbeatAt?: string
  /** Progress on the target image, from the node's latest heartbeat (zero when not working on it). */
  bytesDone: number
  bytesTotal: number
  rate: number
  /** Seconds to finish at the current rate; null when unknown or done. */
  etaSeconds: number | null
  peers: number
  bytesFromSeed: number
  bytesFromPeers: number
}

export interface RolloutSummaryView {
  id: string
  image: ImageRef
  selector: string
  waveSpec: string
  maxFailures: string
  status: RolloutStatus
  /** Index of the latest wave started (0-based), -1 before the start. */
  currentWave: number
  haltReason?: string
  createdAt: string
  updatedAt: string
  total: number
  counts: NodeStateCounts
}

export interface RolloutView extends RolloutSummaryView {
  waves: WaveView[]
  nodes: RolloutNodeView[]
  failures: Array<{ nodeId: string; wave: number; reason: string }>
  /** Bytes done over bytes total across reached nodes working on the target. */
  bytesDone: number
  bytesTotal: number
  events: RolloutEvent[]
}

// ---- status and health ----------------------------------------------------------------------

export interface ImageStatusView {
  name: string
  version: string
  manifestCid: string
  /** Nodes with the image active. */
  active: number
  /** Nodes fetching or verifying it. */
  inProgress: number
  /** Nodes that failed on it. */
  failed: number
  /** Nodes the coordinator wants on it. */
  desired: number
}

/** `GET /api/v1/status` (admin): the fleet at a glance. */
export interface StatusView {
  nodes: { total: number; stale: number; byState: Record<AgentState | 'unknown', number> }
  rollouts: { total: number; byStatus: Record<RolloutStatus, number> }
  images: ImageStatusView[]
}

/** `GET /healthz` (public). */
export interface HealthView {
  status: 'ok' | 'unavailable'
  uptimeSeconds: number
  store: 'open' | 'closed'
}
