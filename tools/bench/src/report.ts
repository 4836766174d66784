// Shared by every benchmark: units, medians, argument sizes, a printed table and the --json file.
import { writeFile } from 'node:fs/promises'

/** Megabytes (10^6 bytes) per second, the unit sha256sum and dd report in. */
export function mbps(bytes: number, seconds: number): number {
  return bytes / seconds / 1e6
}

export function median(values: number[]): number {
  if (values.length === 0) throw new RangeError('median of no values')
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Seconds since an arbitrary origin, for differences. */
export function seconds(): number {
  return performance.now() / 1000
}

/** Runs `fn` `runs` times in a row; returns each run's duration in seconds. */
export async function timeRuns(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  const durations: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = seconds()
    await fn()
    durations.push(seconds() - start)
  }
  return durations
}

const UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9,
  kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
}

/** Parses sizes such as `1GiB`, `256MiB`, `16mb` or `4096` into bytes. */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = match === null ? undefined : UNITS[match[2].toLowerCase()]
  if (match === null || unit === undefined) throw new Error(`not a size: ${JSON.stringify(text)} (try 1GiB, 256MiB)`)
  const bytes = Math.round(Number(match[1]) * unit)
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new Error(`size out of range: ${text}`)
  return bytes
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`
}

export type Cell = string | number
export type Row = Record<string, Cell>

/** Prints rows as an aligned table; numbers right-aligned with `digits` decimals. */
export function printTable(title: string, rows: Row[], digits = 1): void {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))]
  const text = (cell: Cell | undefined): string =>
    cell === undefined ? '' : typeof cell === 'number' ? cell.toFixed(digits) : cell
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((row) => text(row[c]).length)))
  const line = (cells: string[], numeric: boolean[]): string =>
    cells.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ')
  console.log(`\n${title}`)
  console.log(line(columns, columns.map(() => false)))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const row of rows) {
    console.log(line(columns.map((c) => text(row[c])), columns.map((c) => typeof row[c] === 'number')))
  }
  console.log()
}

/** Writes the figures as JSON when `file` is given (the --json option of every benchmark). */
export async function writeJson(file: string | undefined, figures: object): Promise<void> {
  if (file === undefined) return
  await writeFile(file, `${JSON.stringify(figures, null, 2)}\n`)
  console.log(`figures written to ${file}`)
}
