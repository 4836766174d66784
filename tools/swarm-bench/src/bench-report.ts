import { formatBitRate, formatBytes, type LowerBound, type LowerBoundTerm } from '@imgswarm/link-units'
import type { BenchConfig } from './bench-config.js'
import { summarizeCompletions } from './completion-stats.js'
import type { CpuUse } from './cpu-sampler.js'
import type { AppCounters, SystemName } from './system-runner.js'
import type { ImgswarmCli } from './systems/imgswarm-runner.js'

/** What one system achieved (or how it failed). Times in seconds from the agents' common start. */
export interface SystemResult {
  /** Time to last completion; null if the system failed. */
  lastS: number | null
  medianS: number | null
  /** Bytes the seed's uplink carried until the last completion, as its veth counts them (payload + headers per GSO batch). */
  seedBytes: number | null
  /** Every agent's output has the source's sha256. */
  identical: boolean
  ratioToTStar: number | null
  seedBytesPerF: number | null
  /** Per agent, in agent order. */
  completionS: number[]
  agentUploadBytes: Record<string, number>
  agentDownloadBytes: Record<string, number>
  /** Agents whose output differed from the source (or was missing). */
  mismatched: string[]
  cpu?: CpuUse
  /** Counters the system reported itself (imgswarm's final JSON lines). */
  appCounters?: AppCounters
  error?: string
}

/** The benchmark's JSON output. */
export interface BenchReport {
  sizeBytes: number
  agents: number
  tStarS: number
  tStarBound: LowerBoundTerm
  tStarTermsS: Record<LowerBoundTerm, number>
  links: { seedUpBitsPerS: number; agentUpBitsPerS: number; agentDownBitsPerS: number }
  systems: Partial<Record<SystemName, SystemResult>>
  /** imgswarm's time to last completion over BitTorrent's, when both ran. */
  imgswarmOverBittorrent: number | null
  startedAt: string
  /** The imgswarm CLI that ran (compiled, from sources, or a given entry), when imgswarm ran. */
  imgswarmCli?: ImgswarmCli
}

/** Measurements of one successful system run, before derived figures are added. */
export interface SystemMeasurement {
  completionS: number[]
  seedBytes: number
  identical: boolean
  mismatched: string[]
  agentUploadBytes: Record<string, number>
  agentDownloadBytes: Record<string, number>
  cpu?: CpuUse
  appCounters?: AppCounters
}

/** Adds the derived figures (last, median, ratio to T*, seed bytes / F) to a measurement. */
export function systemResult(m: SystemMeasurement, sizeBytes: number, tStarS: number): SystemResult {
  const { lastS, medianS } = summarizeCompletions(m.completionS)
  return {
    lastS,
    medianS,
    seedBytes: m.seedBytes,
    identical: m.identical,
    ratioToTStar: lastS / tStarS,
    seedBytesPerF: m.seedBytes / sizeBytes,
    completionS: m.completionS,
    agentUploadBytes: m.agentUploadBytes,
    agentDownloadBytes: m.agentDownloadBytes,
    mismatched: m.mismatched,
    ...(m.cpu !== undefined && { cpu: m.cpu }),
    ...(m.appCounters !== undefined && { appCounters: m.appCounters }),
  }
}

/** The result of a system that did not finish. */
export function failedResult(error: unknown, cpu?: CpuUse): SystemResult {
  return {
    lastS: null,
    medianS: null,
    seedBytes: null,
    identical: false,
    ratioToTStar: null,
    seedBytesPerF: null,
    completionS: [],
    agentUploadBytes: {},
    agentDownloadBytes: {},
    mismatched: [],
    ...(cpu !== undefined && { cpu }),
    error: error instanceof Error ? error.message : String(error),
  }
}

export function buildReport(
  config: BenchConfig,
  tStar: LowerBound,
  systems: Partial<Record<SystemName, SystemResult>>,
  startedAt: Date,
  imgswarmCli?: ImgswarmCli,
): BenchReport {
  const ours = systems.imgswarm?.lastS
  const theirs = systems.bittorrent?.lastS
  return {
    sizeBytes: config.sizeBytes,
    agents: config.agents,
    tStarS: tStar.seconds,
    tStarBound: tStar.bound,
    tStarTermsS: tStar.terms,
    links: {
      seedUpBitsPerS: config.seedUpBitsPerS,
      agentUpBitsPerS: config.agentUpBitsPerS,
      agentDownBitsPerS: config.agentDownBitsPerS,
    },
    systems,
    imgswarmOverBittorrent: ours != null && theirs != null ? ours / theirs : null,
    startedAt: startedAt.toISOString(),
    ...(imgswarmCli !== undefined && { imgswarmCli }),
  }
}

const BOUND_TEXT: Record<LowerBoundTerm, string> = {
  'seed-uplink': 'seed uplink, F/U_seed',
  'slowest-downlink': 'slowest downlink, F/min D',
  'swarm-uplink': 'swarm uplink, N·F/(U_seed + ΣU)',
}

/** The human-readable table the command prints. */
export function formatTable(report: BenchReport): string {
  const header = ['system', 'last (s)', 'median (s)', 'last/T*', 'seed bytes/F', 'outputs', 'host CPU mean/max (ours, softirq)']
  const rows = Object.entries(report.systems).map(([name, r]) => {
    if (r.error !== undefined) return [name, '-', '-', '-', '-', 'FAILED', cpuText(r.cpu)]
    return [
      name,
      fixed(r.lastS, 2),
      fixed(r.medianS, 2),
      fixed(r.ratioToTStar, 3),
      fixed(r.seedBytesPerF, 3),
      r.identical ? 'identical' : `${r.mismatched.length} differ`,
      cpuText(r.cpu),
    ]
  })
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i >= 5 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)]
  out.push(
    '',
    `T* = ${report.tStarS.toFixed(2)} s (${BOUND_TEXT[report.tStarBound]}); F = ${formatBytes(report.sizeBytes)}, ` +
      `${report.agents} agent${report.agents === 1 ? '' : 's'} at ${formatBitRate(report.links.agentUpBitsPerS)} up / ${formatBitRate(report.links.agentDownBitsPerS)} down, ` +
      `seed ${formatBitRate(report.links.seedUpBitsPerS)} up`,
    `imgswarm / BitTorrent, time to last completion: ${report.imgswarmOverBittorrent === null ? 'n/a' : report.imgswarmOverBittorrent.toFixed(3)}`,
    'Seed bytes: what the seed\'s link carried until the last completion, as its veth counts it (payload plus headers, within about 1 % of the payload).',
  )
  if (report.imgswarmCli !== undefined) out.push(`imgswarm CLI: ${report.imgswarmCli.mode} (${report.imgswarmCli.path})`)
  for (const [name, r] of Object.entries(report.systems)) if (r.error !== undefined) out.push(`${name} failed: ${r.error}`)
  return out.join('\n')
}

function fixed(value: number | null, digits: number): string {
  return value === null ? '-' : value.toFixed(digits)
}

function cpuText(cpu: CpuUse | undefined): string {
  if (cpu === undefined) return '-'
  const ours = cpu.benchBusy === undefined ? '' : ` (${Math.round(cpu.benchBusy * 100)}%, ${Math.round(cpu.softirqBusy * 100)}%)`
  return `${Math.round(cpu.meanBusy * 100)}% / ${Math.round(cpu.maxBusy * 100)}%${ours}`
}
