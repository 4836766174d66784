import { formatBitRate, formatBytes } from '@imgswarm/link-units'
import type { BenchReport } from './bench-report.js'
import { completionCdf } from './completion-stats.js'

const WIDTH = 860
const HEIGHT = 480
const MARGIN = { left: 70, right: 210, top: 56, bottom: 60 }
const COLORS: Record<string, string> = { imgswarm: '#1f77b4', bittorrent: '#d62728', http: '#2ca02c' }

/** A tick step of 1, 2, 2.5 or 5 × 10^k giving about `target` ticks over `span`. */
export function niceStep(span: number, target = 8): number {
  const raw = span / target
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude
}

/**
 * The completion-time CDF of every system that finished, on one chart: x is seconds since the
 * agents started, y the share of agents done; a dashed line marks T*.
 */
export function renderCdfSvg(report: BenchReport): string {
  const series = Object.entries(report.systems)
    .filter(([, r]) => r.error === undefined && r.completionS.length > 0)
    .map(([name, r]) => ({ name, points: completionCdf(r.completionS), lastS: r.lastS ?? 0 }))
  const maxS = Math.max(report.tStarS, ...series.map((s) => s.lastS)) * 1.05
  const step = niceStep(maxS)
  const xMax = Math.ceil(maxS / step) * step
  const plotW = WIDTH - MARGIN.left - MARGIN.right
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom
  const x = (s: number) => MARGIN.left + (s / xMax) * plotW
  const y = (f: number) => MARGIN.top + (1 - f) * plotH
  const n = (v: number) => Number(v.toFixed(2))

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="15" font-weight="bold">Completion time CDF: ${report.agents} agents, ${escapeXml(formatBytes(report.sizeBytes))}</text>`,
    `<text x="${MARGIN.left}" y="40" fill="#555">agents ${formatBitRate(report.links.agentUpBitsPerS)} up / ${formatBitRate(report.links.agentDownBitsPerS)} down, seed ${formatBitRate(report.links.seedUpBitsPerS)} up</text>`,
  ]
  for (let s = 0; s <= xMax + step / 1e6; s += step) {
    parts.push(
      `<line x1="${n(x(s))}" y1="${MARGIN.top}" x2="${n(x(s))}" y2="${MARGIN.top + plotH}" stroke="#e4e4e4"/>`,
      `<text x="${n(x(s))}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${Number(s.toFixed(3))}</text>`,
    )
  }
  for (let f = 0; f <= 1.0001; f += 0.25) {
    parts.push(
      `<line x1="${MARGIN.left}" y1="${n(y(f))}" x2="${MARGIN.left + plotW}" y2="${n(y(f))}" stroke="#e4e4e4"/>`,
      `<text x="${MARGIN.left - 8}" y="${n(y(f) + 4)}" text-anchor="end">${Math.round(f * 100)}%</text>`,
    )
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 16}" text-anchor="middle">time since the agents started (seconds)</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">agents finished (%)</text>`,
    `<line x1="${n(x(report.tStarS))}" y1="${MARGIN.top}" x2="${n(x(report.tStarS))}" y2="${MARGIN.top + plotH}" stroke="#000" stroke-dasharray="6 4"/>`,
    `<text x="${n(x(report.tStarS) + 4)}" y="${MARGIN.top + 14}">T* = ${report.tStarS.toFixed(1)} s</text>`,
  )
  series.forEach((s, i) => {
    const color = COLORS[s.name] ?? '#9467bd'
    let d = `M${n(x(0))},${n(y(0))}`
    for (const p of s.points) {
      d += ` H${n(x(p.seconds))} V${n(y(p.fraction))}`
    }
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2.2"/>`)
    const ly = MARGIN.top + 14 + i * 22
    const lx = MARGIN.left + plotW + 16
    parts.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 22}" y2="${ly - 4}" stroke="${color}" stroke-width="3"/>`,
      `<text x="${lx + 28}" y="${ly}">${escapeXml(s.name)} (last ${s.lastS.toFixed(1)} s)</text>`,
    )
  })
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
