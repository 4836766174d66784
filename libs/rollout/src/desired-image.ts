import type { ImageRef, RolloutState } from './types.js'

/** What the coordinator tells one node to run, and which rollout says so. */
export interface DesiredImage {
  rolloutId: string
  /** Null: run nothing new (the rollout that reached the node had nothing to return it to). */
  image: ImageRef | null
  /** The rollout was rolled back: reactivate the previous version kept on the node. */
  rollback: boolean
}

/** What one rollout asks of a node, or undefined while it has not reached the node. */
export function desiredByRollout(state: RolloutState, nodeId: string): DesiredImage | undefined {
  const node = Object.hasOwn(state.nodes, nodeId) ? state.nodes[nodeId] : undefined
  if (node === undefined || node.target === undefined) return undefined
  return { rolloutId: state.id, image: node.target === null ? null : { ...node.target }, rollback: node.rollback === true }
}

/**
 * What a node should run given every rollout: the newest rollout (highest `seq`) that has
 * reached the node decides; a node in a wave not started yet keeps what older rollouts gave it.
 */
export function resolveDesired(rollouts: Iterable<RolloutState>, nodeId: string): DesiredImage | undefined {
  let best: RolloutState | undefined
  let desired: DesiredImage | undefined
  for (const r of rollouts) {
    if (best !== undefined && r.seq < best.seq) continue
    const d = desiredByRollout(r, nodeId)
    if (d === undefined) continue
    best = r
    desired = d
  }
  return desired
}
