import type { NodeProgress, RolloutNodeView, RolloutSummaryView, RolloutView } from '@imgswarm/coordinator-client'
import {
  formatFailureThreshold,
  formatSelector,
  formatWaveSpec,
  summarizeRollout,
  type RolloutNode,
  type RolloutState,
} from '@imgswarm/rollout'
import type { NodeRecord } from '../nodes/node-record.js'

export function toRolloutSummary(state: RolloutState): RolloutSummaryView {
  const summary = summarizeRollout(state)
  return {
    id: state.id,
    image: state.image,
    selector: formatSelector(state.selector),
    waveSpec: formatWaveSpec(state.waveSpec),
    maxFailures: formatFailureThreshold(state.maxFailures),
    status: state.status,
    currentWave: state.currentWave,
    ...(state.haltReason === undefined ? {} : { haltReason: state.haltReason }),
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    total: summary.total,
    counts: summary.counts,
  }
}

/** The full status of a rollout: per wave, per node (with progress from the node's heartbeats). */
export function toRolloutView(state: RolloutState, nodes: ReadonlyMap<string, NodeRecord>): RolloutView {
  const summary = summarizeRollout(state)
  const nodeViews = state.waves.flatMap((w) => w.nodeIds.map((id) => toRolloutNodeView(state.nodes[id], nodes.get(id))))
  return {
    ...toRolloutSummary(state),
    waves: summary.waves.map((w) => ({ ...w, nodeIds: state.waves[w.index].nodeIds })),
    nodes: nodeViews,
    failures: summary.failures,
    bytesDone: nodeViews.reduce((sum, n) => sum + n.bytesDone, 0),
    bytesTotal: nodeViews.reduce((sum, n) => sum + n.bytesTotal, 0),
    events: state.events,
  }
}

function toRolloutNodeView(node: RolloutNode, record: NodeRecord | undefined): RolloutNodeView {
  const progress = progressOnTarget(node, record?.progress)
  const remaining = progress === undefined ? 0 : Math.max(0, progress.bytesTotal - progress.bytesDone)
  const eta = progress !== undefined && progress.rate > 0 && remaining > 0 ? Math.ceil(remaining / progress.rate) : null
  return {
    nodeId: node.nodeId,
    ...(record?.name === undefined ? {} : { name: record.name }),
    wave: node.wave,
    state: node.state,
    ...(node.reason === undefined ? {} : { reason: node.reason }),
    labels: record?.labels ?? {},
    ...(node.target === undefined ? {} : { target: node.target }),
    from: node.from,
    rollback: node.rollback === true,
    stale: record?.stale ?? false,
    ...(record?.lastHeartbeatAt === undefined ? {} : { lastHeartbeatAt: record.lastHeartbeatAt }),
    bytesDone: progress?.bytesDone ?? 0,
    bytesTotal: progress?.bytesTotal ?? 0,
    rate: progress?.rate ?? 0,
    etaSeconds: eta,
    peers: progress?.peers ?? 0,
    bytesFromSeed: progress?.bytesFromSeed ?? 0,
    bytesFromPeers: progress?.bytesFromPeers ?? 0,
  }
}

/** The node's progress figures when they are about this rollout's target for it. */
function progressOnTarget(node: RolloutNode, progress: NodeProgress | undefined): NodeProgress | undefined {
  if (progress === undefined || node.target === undefined || node.target === null) return undefined
  return progress.manifestCid === node.target.manifestCid ? progress : undefined
}
