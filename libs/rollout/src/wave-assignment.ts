import { createHash } from 'node:crypto'
import { DEFAULT_SPREAD_LABEL } from './constants.js'
import type { NodeLabels } from './types.js'

export interface WaveOrderInit {
  /** Mixed into the hash so that different rollouts pick different first nodes. */
  seed: string
  /** Label whose groups every wave should sample in proportion (default `site`). */
  spreadLabel?: string
}

/**
 * Orders nodes for waves, deterministically: nodes are grouped by the spread label (a node
 * without it is a group of its own kind), shuffled within each group by a hash of the seed and
 * their id, then interleaved in proportion to group sizes. Any prefix of the result, so any
 * wave, then holds about its share of every site, and the same input always gives the same order.
 */
export function orderForWaves(nodes: ReadonlyArray<{ id: string; labels: NodeLabels }>, init: WaveOrderInit): string[] {
  const label = init.spreadLabel ?? DEFAULT_SPREAD_LABEL
  const groups = new Map<string, string[]>()
  for (const node of nodes) {
    const group = Object.hasOwn(node.labels, label) ? `=${node.labels[label]}` : '!'
    const members = groups.get(group) ?? []
    members.push(node.id)
    groups.set(group, members)
  }
  const keyed: Array<{ id: string; position: number; tie: string }> = []
  for (const [group, ids] of groups) {
    const shuffled = ids
      .map((id) => ({ id, hash: hash(`${init.seed}\0${id}`) }))
      .sort((a, b) => compare(a.hash, b.hash) || compare(a.id, b.id))
    const groupTie = hash(`${init.seed}\0group\0${group}`)
    // The k-th of m members sits at (k + 0.5) / m: spreading each group evenly over [0, 1).
    shuffled.forEach(({ id }, k) => keyed.push({ id, position: (k + 0.5) / shuffled.length, tie: groupTie }))
  }
  keyed.sort((a, b) => a.position - b.position || compare(a.tie, b.tie) || compare(a.id, b.id))
  return keyed.map((k) => k.id)
}

/** Cuts an ordered node list into waves at cumulative sizes (as from `resolveWaveSizes`). */
export function splitIntoWaves(ordered: readonly string[], cumulativeSizes: readonly number[]): string[][] {
  const waves: string[][] = []
  let start = 0
  for (const end of cumulativeSizes) {
    waves.push(ordered.slice(start, end))
    start = end
  }
  return waves
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
