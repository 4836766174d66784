import { MAX_NODE_COUNT, MAX_WAVES } from './constants.js'
import { WaveSpecError } from './errors.js'
import { formatQuantity, parseQuantity, percentOf } from './quantity.js'
import type { WaveStep } from './types.js'

/**
 * Parses a wave spec: cumulative percentages of the matched nodes (`10%,50%,100%`), counts
 * (`5,20`), or counts then percentages (`5,20,100%`). Terms must grow strictly; a spec ending in
 * a percentage must end at 100%. Throws `WaveSpecError` naming the offending term.
 */
export function parseWaveSpec(input: string | readonly (string | number)[]): WaveStep[] {
  const terms = typeof input === 'string' ? input.split(',') : input.map(String)
  if (typeof input === 'string' && input.trim() === '') {
    throw new WaveSpecError('the wave spec is empty: write cumulative percentages such as 10%,50%,100% or counts such as 5,20,100%')
  }
  if (terms.length === 0) throw new WaveSpecError('the wave spec has no waves')
  if (terms.length > MAX_WAVES) throw new WaveSpecError(`the wave spec has ${terms.length} waves, more than the limit of ${MAX_WAVES}`)
  const steps: WaveStep[] = []
  terms.forEach((raw, i) => {
    const term = raw.trim()
    const where = `wave #${i + 1} ${JSON.stringify(term)}`
    if (term === '') throw new WaveSpecError(`wave #${i + 1} is empty (stray comma?)`)
    const q = parseQuantity(term)
    if (q === undefined) {
      throw new WaveSpecError(`${where} is neither a percentage (such as 10% or 12.5%) nor a whole count of nodes (such as 5)`)
    }
    if (q.kind === 'percent' && (q.basisPoints <= 0 || q.basisPoints > 10_000)) {
      throw new WaveSpecError(`${where}: a percentage must be above 0% and at most 100%`)
    }
    if (q.kind === 'count' && (q.count <= 0 || q.count > MAX_NODE_COUNT)) {
      throw new WaveSpecError(`${where}: a count must be between 1 and ${MAX_NODE_COUNT}`)
    }
    const prev = steps.at(-1)
    if (prev !== undefined) {
      if (prev.kind === 'percent' && q.kind === 'count') {
        throw new WaveSpecError(`${where}: counts must come before percentages (a count after ${formatQuantity(prev)} may not grow)`)
      }
      if (prev.kind === q.kind && value(q) <= value(prev)) {
        throw new WaveSpecError(`${where}: waves are cumulative and must grow strictly (it follows ${formatQuantity(prev)})`)
      }
    }
    steps.push(q)
  })
  const last = steps[steps.length - 1]
  if (last.kind === 'percent' && last.basisPoints !== 10_000) {
    throw new WaveSpecError(`the last wave is ${formatQuantity(last)}: it must be 100% so that every matched node is covered`)
  }
  return steps
}

/** Canonical text of a wave spec. */
export function formatWaveSpec(steps: readonly WaveStep[]): string {
  return steps.map(formatQuantity).join(',')
}

/**
 * Resolves a wave spec against `n` matched nodes into cumulative wave sizes, strictly growing and
 * ending at `n`. Counts beyond `n` are capped and terms that would add no node are dropped
 * (with 2 nodes, `10%,50%,100%` gives waves of 1 and 2). A spec of counts only must reach `n`.
 */
export function resolveWaveSizes(steps: readonly WaveStep[], n: number): number[] {
  if (!Number.isSafeInteger(n) || n <= 0) throw new WaveSpecError(`cannot plan waves over ${n} nodes`)
  const last = steps[steps.length - 1]
  if (last === undefined) throw new WaveSpecError('the wave spec has no waves')
  if (last.kind === 'count' && last.count < n) {
    throw new WaveSpecError(
      `the wave spec ${formatWaveSpec(steps)} covers ${last.count} nodes but the selector matches ${n}: end it with 100% or a count of at least ${n}`,
    )
  }
  const sizes: number[] = []
  for (const step of steps) {
    const size = Math.min(n, step.kind === 'percent' ? percentOf(step.basisPoints, n) : step.count)
    if (size > (sizes.at(-1) ?? 0)) sizes.push(size)
  }
  return sizes
}

function value(step: WaveStep): number {
  return step.kind === 'percent' ? step.basisPoints : step.count
}
