// Shared by every benchmark: throughput, medians, timed runs, a printed table and the --json file.
// Sizes (`--size 1GiB`) are read and printed with @imgswarm/link-units.
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
