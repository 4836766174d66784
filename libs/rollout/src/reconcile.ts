import { UNKNOWN_FAILURE_REASON } from './constants.js'
import { exceedsThreshold, formatFailureThreshold } from './failure-threshold.js'
import { recordEvent } from './history.js'
import { startWave } from './rollout-lifecycle.js'
import type { NodeReport, NodeRolloutState, RolloutNode, RolloutState } from './types.js'

/** Latest report of each node, by node id. */
export type ReportLookup = (nodeId: string) => NodeReport | undefined

export interface ReconcileOptions {
  /** Apply the reports of these nodes only (e.g. the one that just sent a heartbeat). */
  only?: readonly string[]
}

export interface ReconcileResult {
  state: RolloutState
  /** False when nothing changed: the caller need not store anything. */
  changed: boolean
}

/** Failures named in a halt reason; the rest are counted. */
const HALT_REASONS_SHOWN = 5

/**
 * Brings a rollout up to date with what its nodes report: each reached node's state follows its
 * latest report; a running rollout then halts if failures among the nodes started so far pass the
 * threshold, or starts its next wave once every node of the current wave has settled (active or
 * failed), or completes after the last. Pure: call it on heartbeats, on start-up and on a timer.
 */
export function reconcile(state: RolloutState, reports: ReportLookup, now: string, options: ReconcileOptions = {}): ReconcileResult {
  // A pending rollout has reached no node; an aborted one is a record and no longer follows them.
  if (state.status === 'pending' || state.status === 'aborted') return { state, changed: false }
  const ids = options.only?.filter((id) => Object.hasOwn(state.nodes, id)) ?? Object.keys(state.nodes)
  // Most heartbeats change nothing: find that out before copying the state.
  if (!ids.some((id) => reportChanges(state.nodes[id], reports(id))) && !(state.status === 'running' && canMove(state))) {
    return { state, changed: false }
  }
  const next = structuredClone(state)
  let changed = false
  for (const id of ids) changed = applyReport(next, next.nodes[id], reports(id), now) || changed
  if (next.status === 'running') changed = advance(next, reports, now) || changed
  if (!changed) return { state, changed: false }
  next.updatedAt = now
  return { state: next, changed: true }
}

/** A node's state and failure reason with respect to its target, given its latest report. */
export function deriveNodeState(node: RolloutNode, report: NodeReport): { state: NodeRolloutState; reason?: string } {
  const target = node.target
  if (target === undefined || target === null) return { state: node.state, reason: node.reason }
  const cid = target.manifestCid
  if (report.activeManifestCid === cid || (report.manifestCid === cid && report.phase === 'active')) {
    return { state: 'active' }
  }
  if (report.manifestCid === cid) {
    if (report.phase === 'downloading' || report.phase === 'verifying') return { state: report.phase }
    if (report.phase === 'failed') return { state: 'failed', reason: report.error?.trim() || UNKNOWN_FAILURE_REASON }
  }
  // The report is about something else: an outcome (active or failed) stays on record until the
  // agent works on the target again; work in progress falls back to pending.
  if (node.state === 'active' || node.state === 'failed') return { state: node.state, reason: node.reason }
  return { state: 'pending' }
}

function reportChanges(node: RolloutNode, report: NodeReport | undefined): boolean {
  if (report === undefined || node.target === undefined) return false
  const derived = deriveNodeState(node, report)
  return derived.state !== node.state || derived.reason !== node.reason
}

/** Whether a running rollout would halt or advance as it stands. */
function canMove(state: RolloutState): boolean {
  let started = 0
  let failed = 0
  for (const wave of state.waves.slice(0, state.currentWave + 1)) {
    for (const id of wave.nodeIds) {
      started++
      if (state.nodes[id].state === 'failed') failed++
    }
  }
  if (exceedsThreshold(state.maxFailures, failed, started)) return true
  return state.waves[state.currentWave].nodeIds.every((id) => isSettled(state.nodes[id]))
}

function applyReport(state: RolloutState, node: RolloutNode, report: NodeReport | undefined, now: string): boolean {
  if (report === undefined || node.target === undefined) return false
  const { state: nodeState, reason } = deriveNodeState(node, report)
  if (nodeState === node.state && reason === node.reason) return false
  node.state = nodeState
  if (reason === undefined) delete node.reason
  else node.reason = reason
  node.updatedAt = now
  if (nodeState === 'failed') {
    recordEvent(state, { at: now, type: 'node-failed', wave: node.wave, nodeId: node.nodeId, message: `node ${node.nodeId} failed: ${reason}` })
  }
  return true
}

function advance(state: RolloutState, reports: ReportLookup, now: string): boolean {
  let changed = false
  for (;;) {
    const started = state.waves.slice(0, state.currentWave + 1).flatMap((w) => w.nodeIds.map((id) => state.nodes[id]))
    const failed = started.filter((n) => n.state === 'failed')
    if (exceedsThreshold(state.maxFailures, failed.length, started.length)) {
      halt(state, failed, started.length, now)
      return true
    }
    const wave = state.waves[state.currentWave]
    if (!wave.nodeIds.every((id) => isSettled(state.nodes[id]))) return changed
    wave.settledAt ??= now
    changed = true
    if (state.currentWave === state.waves.length - 1) {
      state.status = 'completed'
      const active = started.length - failed.length
      recordEvent(state, { at: now, type: 'completed', message: `completed: ${active} nodes active, ${failed.length} failed` })
      return true
    }
    startWave(state, state.currentWave + 1, now)
    for (const id of state.waves[state.currentWave].nodeIds) applyReport(state, state.nodes[id], reports(id), now)
  }
}

function halt(state: RolloutState, failed: RolloutNode[], started: number, now: string): void {
  const named = failed.slice(0, HALT_REASONS_SHOWN).map((n) => `${n.nodeId}: ${n.reason ?? UNKNOWN_FAILURE_REASON}`)
  const more = failed.length > HALT_REASONS_SHOWN ? `; and ${failed.length - HALT_REASONS_SHOWN} more` : ''
  state.status = 'halted'
  state.haltReason =
    `${failed.length} of ${started} nodes started so far failed, more than max failures ` +
    `${formatFailureThreshold(state.maxFailures)} allows (${named.join('; ')}${more})`
  recordEvent(state, { at: now, type: 'halted', wave: state.currentWave, message: `halted: ${state.haltReason}` })
}

function isSettled(node: RolloutNode): boolean {
  return node.state === 'active' || node.state === 'failed'
}
