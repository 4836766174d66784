// npm run bench:link -- [--size 1GiB] [--runs 3] [--pin] [--from-source] [--no-build] [--json <file>]
//
// One seed and one fetching agent on loopback, separate processes: imgswarm's throughput on one
// link, against the ceiling of one raw libp2p stream over the same host configuration (TCP,
// Noise, yamux; 256 KiB writes, just bytes) measured in the same run. Runs alternate so both
// see the same machine state; the table shows medians. The CLI runs compiled, as in production
// (`npm run build`, apps/cli/node-runtime.json); --from-source runs it through the TypeScript loader.
// --pin puts each end on a core of its own (taskset: the seed and the raw server on CPU 0, the fetch
// and the raw puller on CPU 1), as if each ran on a one-core machine, instead of sharing them all.
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { formatBytes, parseSize } from '@imgswarm/link-units'
import { CLI_ENTRY_OPTIONS, cli, cliEntry, cpuSeconds, script, stop, REPO_ROOT } from './processes.js'
import { measureDataPathFloor } from './data-path-floor.js'
import { randomFile } from './random-file.js'
import { mbps, median, printTable, writeJson } from './report.js'

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1GiB' },
    runs: { type: 'string', default: '3' },
    pin: { type: 'boolean', default: false },
    ...CLI_ENTRY_OPTIONS,
    json: { type: 'string' },
  },
})
const pinned = values.pin === true
if (pinned) {
  if (cpus().length < 2) throw new Error('--pin needs at least 2 CPUs (one per end)')
  if (spawnSync('taskset', ['-c', '0', 'true']).status !== 0) throw new Error('--pin needs taskset(1) (Debian: util-linux)')
}
/** Where each end runs: both on every core (default), or one core each with --pin. */
const SENDER = pinned ? { cpu: 0 } : {}
const RECEIVER = pinned ? { cpu: 1 } : {}
const { entry, fromSource } = await cliEntry(values)
const size = parseSize(values.size!, '--size')
const runs = Number(values.runs)
const file = await randomFile(size)
const work = await mkdtemp(join(tmpdir(), 'imgswarm-link-'))

interface FetchResult {
  transferMs: number
  transferCpuMs: number
  chunksFetched: number
}

/** CPU seconds each end spent on the transfer (every thread); undefined where not measurable. */
interface CpuUse {
  sender?: number
  receiver?: number
}

async function imgswarmRun(i: number): Promise<{ transferS: number; totalS: number; cpu: CpuUse }> {
  const seed = cli(['seed', file, '--name', 'bench', '--version', String(i), '--data-dir', join(work, `seed-${i}`), '--json'], entry, SENDER)
  try {
    const { manifest, publisher, addrs } = JSON.parse(await seed.firstLine) as { manifest: string; publisher: string; addrs: string[] }
    const seedCpuBefore = cpuSeconds(seed)
    const started = performance.now()
    const fetch = cli([
      'fetch', '--peer', addrs[0], '--manifest', manifest, '--trust', publisher,
      '--out', join(work, `out-${i}.bin`), '--data-dir', join(work, `agent-${i}`), '--json',
    ], entry, RECEIVER)
    const lines = await fetch.exited
    const totalS = (performance.now() - started) / 1000
    const seedCpuAfter = cpuSeconds(seed)
    const result = JSON.parse(lines[lines.length - 1]) as FetchResult
    const sender = seedCpuBefore !== undefined && seedCpuAfter !== undefined ? seedCpuAfter - seedCpuBefore : undefined
    return { transferS: result.transferMs / 1000, totalS, cpu: { sender, receiver: result.transferCpuMs / 1000 } }
  } finally {
    await stop(seed)
    await rm(join(work, `out-${i}.bin`), { force: true })
  }
}

async function ceilingRun(): Promise<{ seconds: number; cpu: CpuUse }> {
  const peer = join(REPO_ROOT, 'tools', 'bench', 'src', 'raw-stream-peer.ts')
  const server = script(peer, ['serve', String(size)], SENDER)
  try {
    const addr = await server.firstLine
    const serverCpuBefore = cpuSeconds(server)
    const lines = await script(peer, ['pull', addr], RECEIVER).exited
    const serverCpuAfter = cpuSeconds(server)
    const { bytes, seconds, cpuSeconds: receiver } = JSON.parse(lines[0]) as { bytes: number; seconds: number; cpuSeconds: number }
    if (bytes !== size) throw new Error(`raw stream delivered ${bytes} of ${size} bytes`)
    const sender = serverCpuBefore !== undefined && serverCpuAfter !== undefined ? serverCpuAfter - serverCpuBefore : undefined
    return { seconds, cpu: { sender, receiver } }
  } finally {
    await stop(server)
  }
}

const transfer: number[] = []
const total: number[] = []
const ceiling: number[] = []
const cpu = { ceiling: [] as CpuUse[], imgswarm: [] as CpuUse[] }
try {
  for (let i = 0; i < runs; i++) {
    const c = await ceilingRun()
    ceiling.push(c.seconds)
    cpu.ceiling.push(c.cpu)
    const r = await imgswarmRun(i)
    transfer.push(r.transferS)
    total.push(r.totalS)
    cpu.imgswarm.push(r.cpu)
    console.log(`run ${i + 1}/${runs}: raw stream ${mbps(size, ceiling[i]).toFixed(0)} MB/s, imgswarm ${mbps(size, r.transferS).toFixed(0)} MB/s`)
  }
} finally {
  await rm(work, { recursive: true, force: true })
}

const imgswarmMBps = mbps(size, median(transfer))
const ceilingMBps = mbps(size, median(ceiling))
const placement = pinned ? 'one core per end' : `${cpus().length} cores shared by both ends`
printTable(`bench:link — one link on loopback, ${formatBytes(size)}, median of ${runs}, CLI ${fromSource ? 'from source' : 'compiled'}, ${placement}`, [
  { what: 'raw libp2p stream (TCP+Noise+yamux), ceiling', 'MB/s': ceilingMBps, ratio: 1 },
  { what: 'imgswarm fetch (verified, written, finalized)', 'MB/s': imgswarmMBps, ratio: imgswarmMBps / ceilingMBps },
  { what: 'imgswarm fetch incl. process start + manifest', 'MB/s': mbps(size, median(total)), ratio: mbps(size, median(total)) / ceilingMBps },
], 2)
console.log(`goal: imgswarm >= 0.8 x ceiling -> ${imgswarmMBps >= 0.8 * ceilingMBps ? 'met' : 'NOT met'}`)

// Both ends share this machine's cores, so CPU time per byte is what bounds the rate: show it.
const gib = size / 2 ** 30
const perGiB = (runsCpu: CpuUse[], side: keyof CpuUse): number | undefined => {
  const values = runsCpu.map((c) => c[side]).filter((v): v is number => v !== undefined)
  return values.length === runsCpu.length ? median(values) / gib : undefined
}
const cpuPerGiB = {
  ceiling: { sender: perGiB(cpu.ceiling, 'sender'), receiver: perGiB(cpu.ceiling, 'receiver') },
  imgswarm: { sender: perGiB(cpu.imgswarm, 'sender'), receiver: perGiB(cpu.imgswarm, 'receiver') },
}
const show = (v: number | undefined): string => (v === undefined ? 'n/a' : v.toFixed(2))
const both = (c: { sender?: number; receiver?: number }): number | undefined =>
  c.sender === undefined || c.receiver === undefined ? undefined : c.sender + c.receiver
// What no protocol can skip: read at the seed, hash and write (durably) at the fetcher.
const floor = measureDataPathFloor(file, size, join(tmpdir(), `imgswarm-link-floor-${process.pid}.bin`))
const floorBoth = floor.read + floor.hash + floor.write
const rawBoth = both(cpuPerGiB.ceiling)
printTable(`CPU seconds per GiB moved (every thread, median of ${runs}); ${placement}`, [
  { what: 'raw libp2p stream', sender: show(cpuPerGiB.ceiling.sender), receiver: show(cpuPerGiB.ceiling.receiver), both: show(rawBoth) },
  { what: 'imgswarm (seed, fetch)', sender: show(cpuPerGiB.imgswarm.sender), receiver: show(cpuPerGiB.imgswarm.receiver), both: show(both(cpuPerGiB.imgswarm)) },
  {
    what: 'unavoidable extra: read / sha2-256 + durable write',
    sender: show(floor.read),
    receiver: show(floor.hash + floor.write),
    both: show(floorBoth),
  },
])
const bestRatio = bestReachableRatio()
if (bestRatio !== undefined) {
  const how = pinned
    ? 'slower end of raw / slower end of raw + unavoidable extra, each end CPU-bound on its core'
    : 'raw CPU / (raw CPU + unavoidable extra), both ends CPU-bound on shared cores'
  console.log(`best ratio a verified, durable fetch can reach on this machine: ${bestRatio.toFixed(2)} (${how})`)
}
await writeJson(values.json, {
  imgswarmMBps, ceilingMBps, sizeBytes: size, runs, pinned, bestRatio, cpuSecondsPerGiB: { ...cpuPerGiB, unavoidableExtra: floor },
})

/**
 * The best rate ratio any verified, durable fetch could reach here. On shared cores every
 * CPU-second of either end slows the transfer, so it is the ratio of the CPU per byte of both ends
 * together; with one core per end the end that needs more CPU per byte sets the pace alone.
 */
function bestReachableRatio(): number | undefined {
  const { sender, receiver } = cpuPerGiB.ceiling
  if (sender === undefined || receiver === undefined) return undefined
  if (!pinned) return (sender + receiver) / (sender + receiver + floorBoth)
  return Math.max(sender, receiver) / Math.max(sender + floor.read, receiver + floor.hash + floor.write)
}
process.exit(0)
