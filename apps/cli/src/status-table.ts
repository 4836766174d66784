import type {
  NodeStateCounts,
  RolloutNodeView,
  RolloutSummaryView,
  RolloutView,
  StatusView,
} from '@imgswarm/coordinator-client'
import { formatBytes, formatDuration } from './format.js'

// Plain-text views of the coordinator's rollout and fleet status, for `imgswarm status` and
// `imgswarm rollout get`. Pure functions of the API's JSON, so they are tested without a server.

/** Lays out rows under headers, columns padded to their widest cell (numbers right-aligned). */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number> = new Set()): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  return [line(headers), ...rows.map(line)].join('\n')
}

const STATE_ORDER = ['active', 'downloading', 'verifying', 'pending', 'failed'] as const

/** `active 3, downloading 2` (states with no node left out). */
export function formatCounts(counts: NodeStateCounts): string {
  const parts = STATE_ORDER.filter((s) => counts[s] > 0).map((s) => `${s} ${counts[s]}`)
  return parts.length === 0 ? 'no nodes' : parts.join(', ')
}

/** A rollout: header, one line per wave, one row per node, failures, the latest events. */
export function renderRollout(view: RolloutView, init: { events?: number } = {}): string {
  const out: string[] = []
  const percent = view.bytesTotal > 0 ? ` ${Math.floor((100 * view.bytesDone) / view.bytesTotal)}%` : ''
  out.push(`rollout ${view.id}: ${view.image.name}@${view.image.version} (${view.image.manifestCid})`)
  out.push(
    `status ${view.status.toUpperCase()}${percent}  selector ${view.selector}  waves ${view.waveSpec}  ` +
      `max failures ${view.maxFailures}  nodes ${view.total} (${formatCounts(view.counts)})`,
  )
  if (view.haltReason !== undefined) out.push(`halted: ${view.haltReason}`)
  out.push('')
  out.push(
    formatTable(
      ['WAVE', 'NODES', 'STATUS', 'STATES'],
      view.waves.map((w) => [`${w.index + 1}/${view.waves.length}`, String(w.size), w.status, formatCounts(w.counts)]),
      new Set([1]),
    ),
  )
  out.push('')
  const nodes = [...view.nodes].sort((a, b) => a.wave - b.wave || nodeLabel(a).localeCompare(nodeLabel(b)))
  out.push(
    formatTable(
      ['NODE', 'SITE', 'WAVE', 'STATE', 'DONE', 'RATE', 'ETA', 'PEERS', 'FROM SEED', 'FROM PEERS', 'REASON'],
      nodes.map((n) => [
        nodeLabel(n),
        n.labels.site ?? '-',
        String(n.wave + 1),
        n.stale ? `${n.state} (stale)` : n.state,
        progress(n),
        n.rate > 0 ? `${formatBytes(n.rate)}/s` : '-',
        n.etaSeconds === null ? '-' : formatDuration(n.etaSeconds),
        String(n.peers),
        formatBytes(n.bytesFromSeed),
        formatBytes(n.bytesFromPeers),
        n.reason ?? (n.rollback ? 'rolling back' : ''),
      ]),
      new Set([2, 4, 5, 6, 7, 8, 9]),
    ),
  )
  if (view.failures.length > 0) {
    out.push('')
    out.push('failures:')
    for (const f of view.failures) out.push(`  wave ${f.wave + 1} ${f.nodeId}: ${f.reason}`)
  }
  const events = view.events.slice(-(init.events ?? 5))
  if (events.length > 0) {
    out.push('')
    out.push('recent events:')
    for (const e of events) out.push(`  ${e.at.slice(11, 19)} ${e.message}`)
  }
  return out.join('\n')
}

/** The fleet at a glance: node states, rollouts, images. */
export function renderOverview(status: StatusView, rollouts: readonly RolloutSummaryView[]): string {
  const out: string[] = []
  const byState = Object.entries(status.nodes.byState)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s} ${n}`)
  out.push(`nodes ${status.nodes.total}${status.nodes.stale > 0 ? ` (${status.nodes.stale} stale)` : ''}: ${byState.join(', ') || 'none'}`)
  out.push('')
  out.push(
    rollouts.length === 0
      ? 'no rollouts'
      : formatTable(
          ['ROLLOUT', 'IMAGE', 'SELECTOR', 'WAVES', 'STATUS', 'WAVE', 'NODES', 'STATES'],
          rollouts.map((r) => [
            r.id,
            `${r.image.name}@${r.image.version}`,
            r.selector,
            r.waveSpec,
            r.status,
            r.currentWave < 0 ? '-' : String(r.currentWave + 1),
            String(r.total),
            formatCounts(r.counts),
          ]),
          new Set([6]),
        ),
  )
  out.push('')
  out.push(
    status.images.length === 0
      ? 'no images'
      : formatTable(
          ['IMAGE', 'MANIFEST', 'ACTIVE', 'IN PROGRESS', 'FAILED', 'DESIRED'],
          status.images.map((i) => [
            `${i.name}@${i.version}`,
            i.manifestCid,
            String(i.active),
            String(i.inProgress),
            String(i.failed),
            String(i.desired),
          ]),
          new Set([2, 3, 4, 5]),
        ),
  )
  return out.join('\n')
}

/**
 * True once nothing more will change without the operator: completed, halted, aborted, or
 * rolled back with every reached node back (active) or failed.
 */
export function isSettled(view: RolloutView): boolean {
  if (view.status === 'completed' || view.status === 'halted' || view.status === 'aborted') return true
  if (view.status !== 'rolled-back') return false
  return view.nodes.every((n) => n.target === undefined || n.state === 'active' || n.state === 'failed')
}

/** Whether a settled rollout reached what was asked of it (exit 0 of `status --watch`). */
export function succeeded(view: RolloutView): boolean {
  if (view.status === 'completed') return true
  return view.status === 'rolled-back' && view.nodes.every((n) => n.target === undefined || n.state === 'active')
}

function nodeLabel(n: RolloutNodeView): string {
  return n.name === undefined || n.name === n.nodeId ? n.nodeId : `${n.nodeId} ${n.name}`
}

function progress(n: RolloutNodeView): string {
  if (n.state === 'active') return n.bytesTotal > 0 ? formatBytes(n.bytesTotal) : 'done'
  if (n.bytesTotal <= 0) return '-'
  return `${Math.floor((100 * n.bytesDone) / n.bytesTotal)}% of ${formatBytes(n.bytesTotal)}`
}
