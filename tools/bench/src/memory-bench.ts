// npm run bench:memory -- [--size 4GiB] [--from-source] [--no-build] [--json <file>]
//
// Peak resident memory of `imgswarm fetch` while it fetches a large image from a seed on
// loopback: the agent must stream, never hold the image. Peak RSS is the kernel's VmHWM of the
// fetch process, sampled until it exits. By default the CLI runs compiled (`npm run build`, as
// in production, with apps/cli/node-runtime.json's Node flags and environment); --from-source runs it through the TypeScript loader (bin/imgswarm.js), whose
// compiler and hooks thread alone take ~150 MB more.
import { readFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { formatBytes, parseSize } from '@imgswarm/link-units'
import { CLI_ENTRY_OPTIONS, cli, cliEntry, stop } from './processes.js'
import { randomFile } from './random-file.js'
import { printTable, writeJson } from './report.js'

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '4GiB' },
    ...CLI_ENTRY_OPTIONS,
    json: { type: 'string' },
  },
})
const { entry, fromSource } = await cliEntry(values)
const size = parseSize(values.size!, '--size')
const file = await randomFile(size)
const work = await mkdtemp(join(tmpdir(), 'imgswarm-memory-'))

/** VmHWM (peak RSS) and VmRSS of a process, in bytes; undefined once it is gone. */
async function memoryOf(pid: number): Promise<{ hwm: number; rss: number } | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined)
  if (status === undefined) return undefined
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024
  return { hwm: kb('VmHWM'), rss: kb('VmRSS') }
}

const seed = cli(['seed', file, '--name', 'memory', '--version', '1', '--data-dir', join(work, 'seed'), '--json'], entry)
let peakRss = 0
let seconds = 0
try {
  const { manifest, publisher, addrs } = JSON.parse(await seed.firstLine) as { manifest: string; publisher: string; addrs: string[] }
  const started = performance.now()
  const fetch = cli([
    'fetch', '--peer', addrs[0], '--manifest', manifest, '--trust', publisher,
    '--out', join(work, 'out.bin'), '--data-dir', join(work, 'agent'), '--json',
  ], entry)
  const pid = fetch.proc.pid!
  let running = true
  void fetch.exited.finally(() => (running = false))
  while (running) {
    const m = await memoryOf(pid)
    if (m !== undefined) peakRss = Math.max(peakRss, m.hwm)
    await new Promise((r) => setTimeout(r, 100))
  }
  await fetch.exited
  seconds = (performance.now() - started) / 1000
} finally {
  await stop(seed)
  await rm(work, { recursive: true, force: true })
}

const peakRssMB = peakRss / 1e6
printTable(`bench:memory — imgswarm fetch (${fromSource ? 'from source' : 'compiled'}) of ${formatBytes(size)} from a seed on loopback`, [
  { what: 'peak RSS of the fetch process (MB)', value: peakRssMB },
  { what: 'fetch wall time (s)', value: seconds },
])
console.log(`goal: peak RSS <= 200 MB -> ${peakRssMB <= 200 ? 'met' : 'NOT met'}`)
await writeJson(values.json, { peakRssMB, sizeBytes: size, seconds, compiled: !fromSource })
process.exit(0)
