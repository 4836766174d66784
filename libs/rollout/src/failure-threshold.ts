import { MAX_NODE_COUNT } from './constants.js'
import { FailureThresholdError } from './errors.js'
import { formatQuantity, parseQuantity } from './quantity.js'
import type { FailureThreshold } from './types.js'

/** Parses `5%` (of the nodes started so far) or a count such as `2`; `0` halts on any failure. */
export function parseFailureThreshold(input: string | number): FailureThreshold {
  const text = String(input).trim()
  const q = parseQuantity(text)
  if (q === undefined) {
    throw new FailureThresholdError(
      `max failures ${JSON.stringify(text)} is neither a percentage (such as 5% or 2.5%) nor a whole count of nodes (such as 2)`,
    )
  }
  if (q.kind === 'percent' && q.basisPoints > 10_000) throw new FailureThresholdError(`max failures ${text} is above 100%`)
  if (q.kind === 'count' && q.count > MAX_NODE_COUNT) {
    throw new FailureThresholdError(`max failures ${text} is above the limit of ${MAX_NODE_COUNT}`)
  }
  return q
}

export function formatFailureThreshold(t: FailureThreshold): string {
  return formatQuantity(t)
}

/** Failures tolerated among `started` nodes (a percentage is of the nodes started so far). */
export function toleratedFailures(t: FailureThreshold, started: number): number {
  // Round down: 5% of 10 started nodes tolerates no failure, 5% of 20 tolerates one.
  return t.kind === 'count' ? t.count : Math.floor((t.basisPoints * started) / 10_000)
}

/** True when `failed` of `started` nodes is more than the threshold allows. */
export function exceedsThreshold(t: FailureThreshold, failed: number, started: number): boolean {
  return failed > toleratedFailures(t, started)
}
