// npm run bench:link -- [--size 1GiB] [--runs 3] [--from-source] [--no-build] [--json <file>]
//
// One seed and one fetching agent on loopback, separate processes: imgswarm's throughput on one
// link, against the ceiling of one raw libp2p stream over the same host configuration (TCP,
// Noise, yamux; 256 KiB writes, just bytes) measured in the same run. Runs alternate so both
// see the same machine state; the table shows medians. The CLI runs compiled, as in production
// (`npm run build`, apps/cli/node-runtime.json); --from-source runs it through the TypeScript loader.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { formatBytes, parseSize } from '@imgswarm/link-units'
import { CLI_ENTRY_OPTIONS, cli, cliEntry, script, stop, REPO_ROOT } from './processes.js'
import { randomFile } from './random-file.js'
import { mbps, median, printTable, writeJson } from './report.js'

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1GiB' },
    runs: { type: 'string', default: '3' },
    ...CLI_ENTRY_OPTIONS,
    json: { type: 'string' },
  },
})
const { entry, fromSource } = await cliEntry(values)
const size = parseSize(values.size!, '--size')
const runs = Number(values.runs)
const file = await randomFile(size)
const work = await mkdtemp(join(tmpdir(), 'imgswarm-link-'))

interface FetchResult {
  transferMs: number
  chunksFetched: number
}

async function imgswarmRun(i: number): Promise<{ transferS: number; totalS: number }> {
  const seed = cli(['seed', file, '--name', 'bench', '--version', String(i), '--data-dir', join(work, `seed-${i}`), '--json'], entry)
  try {
    const { manifest, publisher, addrs } = JSON.parse(await seed.firstLine) as { manifest: string; publisher: string; addrs: string[] }
    const started = performance.now()
    const fetch = cli([
      'fetch', '--peer', addrs[0], '--manifest', manifest, '--trust', publisher,
      '--out', join(work, `out-${i}.bin`), '--data-dir', join(work, `agent-${i}`), '--json',
    ], entry)
    const lines = await fetch.exited
    const totalS = (performance.now() - started) / 1000
    const result = JSON.parse(lines[lines.length - 1]) as FetchResult
    return { transferS: result.transferMs / 1000, totalS }
  } finally {
    await stop(seed)
    await rm(join(work, `out-${i}.bin`), { force: true })
  }
}

async function ceilingRun(): Promise<number> {
  const peer = join(REPO_ROOT, 'tools', 'bench', 'src', 'raw-stream-peer.ts')
  const server = script(peer, ['serve', String(size)])
  try {
    const addr = await server.firstLine
    const lines = await script(peer, ['pull', addr]).exited
    const { bytes, seconds } = JSON.parse(lines[0]) as { bytes: number; seconds: number }
    if (bytes !== size) throw new Error(`raw stream delivered ${bytes} of ${size} bytes`)
    return seconds
  } finally {
    await stop(server)
  }
}

const transfer: number[] = []
const total: number[] = []
const ceiling: number[] = []
try {
  for (let i = 0; i < runs; i++) {
    ceiling.push(await ceilingRun())
    const r = await imgswarmRun(i)
    transfer.push(r.transferS)
    total.push(r.totalS)
    console.log(`run ${i + 1}/${runs}: raw stream ${mbps(size, ceiling[i]).toFixed(0)} MB/s, imgswarm ${mbps(size, r.transferS).toFixed(0)} MB/s`)
  }
} finally {
  await rm(work, { recursive: true, force: true })
}

const imgswarmMBps = mbps(size, median(transfer))
const ceilingMBps = mbps(size, median(ceiling))
printTable(`bench:link — one link on loopback, ${formatBytes(size)}, median of ${runs}, CLI ${fromSource ? 'from source' : 'compiled'}`, [
  { what: 'raw libp2p stream (TCP+Noise+yamux), ceiling', 'MB/s': ceilingMBps, ratio: 1 },
  { what: 'imgswarm fetch (verified, written, finalized)', 'MB/s': imgswarmMBps, ratio: imgswarmMBps / ceilingMBps },
  { what: 'imgswarm fetch incl. process start + manifest', 'MB/s': mbps(size, median(total)), ratio: mbps(size, median(total)) / ceilingMBps },
], 2)
console.log(`goal: imgswarm >= 0.8 x ceiling -> ${imgswarmMBps >= 0.8 * ceilingMBps ? 'met' : 'NOT met'}`)
await writeJson(values.json, { imgswarmMBps, ceilingMBps, sizeBytes: size, runs })
process.exit(0)
