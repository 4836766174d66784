import { formatBitRate, formatBytes, type LowerBoundTerm } from '@imgswarm/link-units'
import type { SimRow } from './run-simulation.js'
import type { SimConfig } from './sim-config.js'

/** What `--json` writes: the configuration and one row per swarm size. */
export interface SimReport {
  sizeBytes: number
  chunkBytes: number
  links: { seedUpBitsPerS: number; agentUpBitsPerS: number; agentDownBitsPerS: number }
  latencyMs: number
  randomSeed: number
  rows: SimRow[]
  startedAt: string
}

export function buildReport(config: SimConfig, rows: SimRow[], startedAt: Date): SimReport {
  return {
    sizeBytes: config.sizeBytes,
    chunkBytes: config.chunkBytes,
    links: { seedUpBitsPerS: config.seedUpBitsPerS, agentUpBitsPerS: config.agentUpBitsPerS, agentDownBitsPerS: config.agentDownBitsPerS },
    latencyMs: config.latencyMs,
    randomSeed: config.randomSeed,
    rows,
    startedAt: startedAt.toISOString(),
  }
}

const BOUND_TEXT: Record<LowerBoundTerm, string> = {
  'seed-uplink': 'seed uplink',
  'slowest-downlink': 'slowest downlink',
  'swarm-uplink': 'swarm uplink',
}

export const TABLE_HEADER = ['agents', 'sessions', 'T* (s)', 'last (s)', 'last/T*', 'median (s)', 'median/T*', 'seed bytes/F', 'CPU (s)', 'events']

/** One table line per swarm size, as printed. */
export function formatRow(r: SimRow): string[] {
  const sessions = r.degree === 'all' ? 'all' : `${r.meanDegree.toFixed(1)}, seed ${r.seedDegree}`
  return [
    String(r.agents),
    sessions,
    r.tStarS.toFixed(2),
    r.lastS.toFixed(2),
    r.ratioToTStar.toFixed(3),
    r.medianS.toFixed(2),
    r.medianToTStar.toFixed(3),
    r.seedBytesPerF.toFixed(3),
    r.cpuS.toFixed(1),
    r.events.toLocaleString('en-US'),
  ]
}

/** The human-readable table the command prints, with the configuration under it. */
export function formatTable(report: SimReport): string {
  const rows = report.rows.map(formatRow)
  const widths = TABLE_HEADER.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()
  const out = [line(TABLE_HEADER), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)]
  const bounds = [...new Set(report.rows.map((r) => BOUND_TEXT[r.tStarBound]))].join(', ')
  out.push(
    '',
    `F = ${formatBytes(report.sizeBytes)} in ${formatBytes(report.chunkBytes)} chunks; agents ${formatBitRate(report.links.agentUpBitsPerS)} up / ` +
      `${formatBitRate(report.links.agentDownBitsPerS)} down, seed ${formatBitRate(report.links.seedUpBitsPerS)} up; ${report.latencyMs} ms one-way ` +
      `access latency per node; random seed ${report.randomSeed}.`,
    `T* = max(F/U_seed, F/D, N·F/(U_seed + N·U)); binding here: ${bounds}. Virtual time: the figures do not depend on this machine's speed, CPU and events do.`,
    'sessions: agent-to-agent sessions per agent as built ("all": everyone with everyone and with the seed).',
  )
  return out.join('\n')
}
