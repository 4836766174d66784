import { NoMatchingNodesError, RolloutTransitionError } from './errors.js'
import { formatFailureThreshold } from './failure-threshold.js'
import { recordEvent } from './history.js'
import { formatSelector, matchesSelector } from './selector.js'
import type {
  CandidateNode,
  FailureThreshold,
  ImageRef,
  LabelSelector,
  RolloutNode,
  RolloutState,
  RolloutStatus,
  WaveStep,
} from './types.js'
import { orderForWaves, splitIntoWaves } from './wave-assignment.js'
import { formatWaveSpec, resolveWaveSizes } from './wave-spec.js'

export interface RolloutInit {
  id: string
  seq: number
  image: ImageRef
  selector: LabelSelector
  waves: WaveStep[]
  maxFailures: FailureThreshold
  /** Every known node; those matching the selector are included. */
  candidates: readonly CandidateNode[]
  /** ISO-8601 time of creation. */
  now: string
  /** Label waves are spread across (default `site`). */
  spreadLabel?: string
}

/**
 * Plans a rollout: picks the nodes matching the selector and assigns them to waves. The result
 * is `pending`; `startRollout` begins its first wave. Throws `NoMatchingNodesError` when the
 * selector matches no node and `WaveSpecError` when the waves cannot cover the matched nodes.
 */
export function createRollout(init: RolloutInit): RolloutState {
  const matched = init.candidates.filter((n) => matchesSelector(init.selector, n.labels))
  if (matched.length === 0) {
    throw new NoMatchingNodesError(
      `selector ${formatSelector(init.selector)} matches none of the ${init.candidates.length} enrolled nodes`,
    )
  }
  const sizes = resolveWaveSizes(init.waves, matched.length)
  const ordered = orderForWaves(matched, { seed: init.id, spreadLabel: init.spreadLabel })
  const waveIds = splitIntoWaves(ordered, sizes)
  const fromById = new Map(matched.map((n) => [n.id, n.from]))
  const nodes: Record<string, RolloutNode> = {}
  waveIds.forEach((ids, wave) => {
    for (const nodeId of ids) {
      nodes[nodeId] = { nodeId, wave, state: 'pending', from: fromById.get(nodeId) ?? null, updatedAt: init.now }
    }
  })
  const state: RolloutState = {
    format: 1,
    id: init.id,
    seq: init.seq,
    image: { ...init.image },
    selector: { ...init.selector },
    waveSpec: init.waves.map((w) => ({ ...w })),
    maxFailures: { ...init.maxFailures },
    status: 'pending',
    currentWave: -1,
    waves: waveIds.map((nodeIds, index) => ({ index, nodeIds })),
    nodes,
    createdAt: init.now,
    updatedAt: init.now,
    events: [],
  }
  recordEvent(state, {
    at: init.now,
    type: 'created',
    message:
      `${init.image.name}@${init.image.version} to ${matched.length} nodes (${formatSelector(init.selector)}) in ` +
      `${sizes.length} waves (${formatWaveSpec(init.waves)}), max failures ${formatFailureThreshold(init.maxFailures)}`,
  })
  return state
}

/** Starts the first wave of a pending rollout. */
export function startRollout(state: RolloutState, now: string): RolloutState {
  const next = transition(state, 'start', ['pending'], 'running', now)
  recordEvent(next, { at: now, type: 'started', message: 'rollout started' })
  startWave(next, 0, now)
  return next
}

/** Stops starting new waves; nodes already told to update carry on. */
export function pauseRollout(state: RolloutState, now: string): RolloutState {
  const next = transition(state, 'pause', ['running'], 'paused', now)
  recordEvent(next, { at: now, type: 'paused', message: 'paused by the operator' })
  return next
}

/**
 * Lets a paused or halted rollout advance again. A halted rollout whose failures still exceed the
 * threshold halts again at the next reconciliation.
 */
export function resumeRollout(state: RolloutState, now: string): RolloutState {
  const next = transition(state, 'resume', ['paused', 'halted'], 'running', now)
  delete next.haltReason
  recordEvent(next, { at: now, type: 'resumed', message: `resumed by the operator (was ${state.status})` })
  return next
}

/**
 * Ends the rollout: no further wave starts, and nodes that had not activated the image are told
 * to stay on what they ran before. Nodes already active keep the new image (roll back for that).
 */
export function abortRollout(state: RolloutState, now: string): RolloutState {
  const next = transition(state, 'abort', ['pending', 'running', 'paused', 'halted'], 'aborted', now)
  for (const node of Object.values(next.nodes)) {
    if (node.target !== undefined && node.state !== 'active') {
      node.target = node.from
      node.updatedAt = now
    }
  }
  delete next.haltReason
  recordEvent(next, { at: now, type: 'aborted', message: `aborted by the operator (was ${state.status})` })
  return next
}

/**
 * Sends every node the rollout has reached back to what it ran before (`from`), flagged as a
 * rollback so that agents reactivate the version they kept. Node states then track the return.
 */
export function rollbackRollout(state: RolloutState, now: string): RolloutState {
  const next = transition(state, 'roll back', ['running', 'paused', 'halted', 'completed', 'aborted'], 'rolled-back', now)
  let count = 0
  for (const node of Object.values(next.nodes)) {
    if (node.target === undefined) continue
    node.target = node.from
    node.rollback = true
    node.state = 'pending'
    delete node.reason
    node.updatedAt = now
    count++
  }
  delete next.haltReason
  recordEvent(next, { at: now, type: 'rolled-back', message: `rolled back by the operator (was ${state.status}): ${count} nodes return to their previous image` })
  return next
}

/** Begins wave `index`: its nodes are now asked to run the rollout's image. Mutates `state`. */
export function startWave(state: RolloutState, index: number, now: string): void {
  const wave = state.waves[index]
  state.currentWave = index
  wave.startedAt = now
  for (const id of wave.nodeIds) {
    const node = state.nodes[id]
    node.target = { ...state.image }
    node.state = 'pending'
    node.updatedAt = now
  }
  recordEvent(state, {
    at: now,
    type: 'wave-started',
    wave: index,
    message: `wave ${index + 1} of ${state.waves.length} started: ${wave.nodeIds.length} nodes`,
  })
}

/** Statuses from which the rollout will not move by itself or by resume. */
export function isFinished(status: RolloutStatus): boolean {
  return status === 'completed' || status === 'aborted' || status === 'rolled-back'
}

function transition(
  state: RolloutState,
  action: string,
  from: readonly RolloutStatus[],
  to: RolloutStatus,
  now: string,
): RolloutState {
  if (!from.includes(state.status)) {
    throw new RolloutTransitionError(
      `cannot ${action} rollout ${state.id}: it is ${state.status} (${action} needs ${from.join(' or ')})`,
    )
  }
  const next = structuredClone(state)
  next.status = to
  next.updatedAt = now
  return next
}
