/**
 * @packageDocumentation
 * Staged rollouts as pure functions over plain, JSON-serialisable state: label selectors
 * (`site=plant-3,region=eu`), wave specs (`10%,50%,100%`, `5,20,100%`), deterministic assignment
 * of nodes to waves (spread across sites), the rollout state machine (pending, running, paused,
 * halted, completed, aborted, rolled-back) and its reconciliation with what nodes report. No I/O:
 * the coordinator stores the state and calls these functions, so a restart resumes exactly.
 *
 * @example
 * ```ts
 * let r = createRollout({ id, seq, image, selector: parseSelector('site=plant-3'),
 *   waves: parseWaveSpec('10%,50%,100%'), maxFailures: parseFailureThreshold('5%'), candidates, now })
 * r = startRollout(r, now)
 * r = reconcile(r, (nodeId) => latestReports.get(nodeId), now).state
 * const desired = resolveDesired(allRollouts, nodeId)
 * ```
 */
export * from './constants.js'
export * from './errors.js'
export type * from './types.js'
export { MATCH_ALL, formatSelector, matchesSelector, parseLabels, parseSelector, validateLabels } from './selector.js'
export { formatWaveSpec, parseWaveSpec, resolveWaveSizes } from './wave-spec.js'
export { exceedsThreshold, formatFailureThreshold, parseFailureThreshold, toleratedFailures } from './failure-threshold.js'
export { orderForWaves, splitIntoWaves, type WaveOrderInit } from './wave-assignment.js'
export {
  abortRollout,
  createRollout,
  isFinished,
  pauseRollout,
  resumeRollout,
  rollbackRollout,
  startRollout,
  type RolloutInit,
} from './rollout-lifecycle.js'
export { deriveNodeState, reconcile, type ReconcileOptions, type ReconcileResult, type ReportLookup } from './reconcile.js'
export { desiredByRollout, resolveDesired, type DesiredImage } from './desired-image.js'
export { emptyCounts, summarizeRollout, type NodeStateCounts, type RolloutSummary, type WaveSummary } from './summary.js'
export { recordEvent } from './history.js'
