import type { NodeRolloutState, RolloutState } from './types.js'

export type NodeStateCounts = Record<NodeRolloutState, number>

export interface WaveSummary {
  index: number
  size: number
  /** `waiting` until started, `in-progress` until every node has settled, then `settled`. */
  status: 'waiting' | 'in-progress' | 'settled'
  startedAt?: string
  settledAt?: string
  counts: NodeStateCounts
}

export interface RolloutSummary {
  total: number
  counts: NodeStateCounts
  waves: WaveSummary[]
  failures: Array<{ nodeId: string; wave: number; reason: string }>
}

export function emptyCounts(): NodeStateCounts {
  return { pending: 0, downloading: 0, verifying: 0, active: 0, failed: 0 }
}

/** Counts per wave and overall, and every failure with its reason. */
export function summarizeRollout(state: RolloutState): RolloutSummary {
  const counts = emptyCounts()
  const failures: RolloutSummary['failures'] = []
  const waves = state.waves.map((wave): WaveSummary => {
    const waveCounts = emptyCounts()
    for (const id of wave.nodeIds) {
      const node = state.nodes[id]
      waveCounts[node.state]++
      counts[node.state]++
      if (node.state === 'failed') failures.push({ nodeId: id, wave: wave.index, reason: node.reason ?? '' })
    }
    const status = wave.startedAt === undefined ? 'waiting' : wave.settledAt === undefined ? 'in-progress' : 'settled'
    return { index: wave.index, size: wave.nodeIds.length, status, startedAt: wave.startedAt, settledAt: wave.settledAt, counts: waveCounts }
  })
  return { total: Object.keys(state.nodes).length, counts, waves, failures }
}
