/** Equality label selector: a node matches when it carries every key with exactly this value. */
export type LabelSelector = Readonly<Record<string, string>>

/** Labels of one node, such as `{ site: 'plant-3', region: 'eu' }`. */
export type NodeLabels = Readonly<Record<string, string>>

/** One image version, named the way operators and agents speak of it. */
export interface ImageRef {
  name: string
  version: string
  /** The signed manifest's CID: what an agent fetches and activates. */
  manifestCid: string
}

/** One term of a wave spec: a cumulative percentage of the matched nodes, or a cumulative count. */
export type WaveStep =
  | { kind: 'percent'; /** hundredths of a percent, so `12.5%` is 1250 and arithmetic stays exact */ basisPoints: number }
  | { kind: 'count'; count: number }

/** How many failures a rollout tolerates before it halts (failures strictly above this halt it). */
export type FailureThreshold =
  | { kind: 'percent'; basisPoints: number }
  | { kind: 'count'; count: number }

export type RolloutStatus = 'pending' | 'running' | 'paused' | 'halted' | 'completed' | 'aborted' | 'rolled-back'

/** Where one node stands with respect to what the rollout wants of it. */
export type NodeRolloutState = 'pending' | 'downloading' | 'verifying' | 'active' | 'failed'

/** What an agent says it is doing, as far as rollouts care (from its latest heartbeat). */
export type AgentPhase = 'idle' | 'downloading' | 'verifying' | 'active' | 'failed'

export interface NodeReport {
  phase: AgentPhase
  /** Manifest the agent is working on (fetching, verifying, or failed on). */
  manifestCid?: string
  /** Manifest active on the node now. */
  activeManifestCid?: string
  /** Why the agent failed, when `phase` is `failed`. */
  error?: string
}

/** A node that may be included in a rollout: its id, labels, and the image it runs now. */
export interface CandidateNode {
  id: string
  labels: NodeLabels
  /** Image to return to on rollback (what it ran before this rollout), null if none. */
  from: ImageRef | null
}

export interface RolloutNode {
  nodeId: string
  /** Index of the wave the node belongs to. */
  wave: number
  /** Relative to `target`; `pending` until the node's wave starts. */
  state: NodeRolloutState
  /** Failure reason, when `state` is `failed`. */
  reason?: string
  /** What the node ran before: the rollback target. */
  from: ImageRef | null
  /**
   * What this rollout asks the node to run. Absent while the node's wave has not started (the
   * rollout has no say yet); the rollout's image once it has; `from` after a rollback.
   */
  target?: ImageRef | null
  /** Set once the rollout was rolled back: the agent should reactivate its previous version. */
  rollback?: boolean
  updatedAt: string
}

export interface RolloutWave {
  index: number
  nodeIds: string[]
  startedAt?: string
  /** When every node of the wave had settled (active, or failed within the threshold). */
  settledAt?: string
}

export type RolloutEventType =
  | 'created'
  | 'started'
  | 'wave-started'
  | 'node-failed'
  | 'halted'
  | 'paused'
  | 'resumed'
  | 'completed'
  | 'aborted'
  | 'rolled-back'

export interface RolloutEvent {
  at: string
  type: RolloutEventType
  message: string
  wave?: number
  nodeId?: string
}

/**
 * Everything about one rollout, as plain JSON: the coordinator stores it as is and every
 * operation here is a function from one such state to the next, so a restart resumes exactly.
 */
export interface RolloutState {
  format: 1
  id: string
  /** Creation order among rollouts: when several include a node, the newest one decides. */
  seq: number
  image: ImageRef
  selector: LabelSelector
  waveSpec: WaveStep[]
  maxFailures: FailureThreshold
  status: RolloutStatus
  /** Index of the latest wave started, -1 before the rollout starts. */
  currentWave: number
  waves: RolloutWave[]
  nodes: Record<string, RolloutNode>
  /** Why the rollout halted, while it is halted. */
  haltReason?: string
  createdAt: string
  updatedAt: string
  events: RolloutEvent[]
}
