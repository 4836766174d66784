/** One step of an empirical CDF: by `seconds`, `fraction` of the agents had finished. */
export interface CdfPoint {
  seconds: number
  fraction: number
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list')
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** The empirical CDF of completion times: one point per agent, in time order, ending at 1. */
export function completionCdf(seconds: readonly number[]): CdfPoint[] {
  const sorted = [...seconds].sort((a, b) => a - b)
  return sorted.map((s, i) => ({ seconds: s, fraction: (i + 1) / sorted.length }))
}

/** Time to last completion and median completion, in seconds. */
export function summarizeCompletions(seconds: readonly number[]): { lastS: number; medianS: number } {
  if (seconds.length === 0) throw new RangeError('no completions to summarize')
  return { lastS: Math.max(...seconds), medianS: median(seconds) }
}
