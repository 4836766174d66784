// npm run bench:publish -- [--size 1GiB] [--runs 3] [--file <path>] [--json <file>]
//
// Publishing throughput: the publish steps (chunk + hash, then whatever PUBLISH_STEPS adds) on a
// file of random bytes, against `sha256sum` of the same file in the same run, warm page cache,
// median of --runs interleaved rounds. Also shows node:crypto's sha256 on one thread, a
// hash-only pass in this process. JSON: {"publishMBps":…,"sha256sumMBps":…, …}.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { open, stat } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChunkStore } from '@imgswarm/chunk-store'
import { DEFAULT_CHUNKING, chunkFile } from '@imgswarm/chunker'
import type { ChunkRef } from '@imgswarm/core'
import { createSignedManifest, generatePublisherKey } from '@imgswarm/manifest'
import { formatBytes, parseSize } from '@imgswarm/link-units'
import { mbps, median, printTable, seconds, timeRuns, writeJson, type Row } from './report.js'
import { randomFile } from './random-file.js'

/** What one publish run has produced so far; each step reads what the earlier ones left. */
interface PublishContext {
  file: string
  size: number
  chunks?: ChunkRef[]
}

/** One step of publishing, timed on its own and as part of the total. */
interface PublishStep {
  name: string
  run(context: PublishContext): Promise<void>
}

/**
 * What "publish" means here, in order. Add the index step (manifest into the store) after
 * chunking: `{ name: 'index', run: async (ctx) => { …ctx.chunks… } }`.
 */
const publisherKey = generatePublisherKey()

const PUBLISH_STEPS: PublishStep[] = [
  {
    name: 'chunk + hash',
    run: async (context) => {
      context.chunks = await chunkFile(context.file)
    },
  },
  {
    // what `imgswarm seed` does next: sign the manifest, record it in level, open the image to serve
    name: 'sign + index',
    run: async (context) => {
      const created = createSignedManifest(
        { name: 'bench', version: '1', size: context.size, chunking: DEFAULT_CHUNKING, chunks: context.chunks! },
        publisherKey,
      )
      const dataDir = await mkdtemp(join(tmpdir(), 'imgswarm-publish-'))
      try {
        const store = await ChunkStore.open(dataDir)
        await store.putManifest(created.cid.toString(), created.bytes)
        const source = await store.openSeed(created.cid.toString(), created.manifest.manifest, context.file)
        await source.close()
        await store.close()
      } finally {
        await rm(dataDir, { recursive: true, force: true })
      }
    },
  },
]

interface PublishTimings {
  /** Seconds for the whole publish, then for each step. */
  total: number
  steps: number[]
  chunks?: ChunkRef[]
}

async function publishOnce(file: string, size: number): Promise<PublishTimings> {
  const context: PublishContext = { file, size }
  const steps: number[] = []
  const start = seconds()
  for (const step of PUBLISH_STEPS) {
    const stepStart = seconds()
    await step.run(context)
    steps.push(seconds() - stepStart)
  }
  return { total: seconds() - start, steps, chunks: context.chunks }
}

function sha256sum(file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sha256sum', [file], { stdio: ['ignore', 'ignore', 'inherit'] })
    child.on('error', (err) => reject(new Error(`cannot run sha256sum: ${err.message}`)))
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sha256sum exited with ${code}`))))
  })
}

/** sha256 of the whole file with node:crypto on this thread, read in 8 MiB blocks. */
async function nodeSha256(file: string): Promise<void> {
  const handle = await open(file, 'r')
  try {
    const hash = createHash('sha256')
    const block = Buffer.allocUnsafe(8 * 1024 * 1024)
    for (;;) {
      const { bytesRead } = await handle.read(block, 0, block.length, null)
      if (bytesRead === 0) break
      hash.update(block.subarray(0, bytesRead))
    }
    hash.digest()
  } finally {
    await handle.close()
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '1GiB' },
      runs: { type: 'string', default: '3' },
      file: { type: 'string' },
      json: { type: 'string' },
    },
  })
  const runs = Number(values.runs)
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`)
  const file = values.file ?? (await randomFile(parseSize(values.size, '--size')))
  const size = (await stat(file)).size
  console.log(`publish benchmark: ${file} (${formatBytes(size)}), median of ${runs} interleaved rounds, warm cache`)

  await sha256sum(file) // untimed: warms the page cache for everything below
  // Rounds interleave the three measurements, so load from other processes drifting over the
  // run weighs on all of them alike.
  const sumTimes: number[] = []
  const nodeTimes: number[] = []
  const results: PublishTimings[] = []
  for (let round = 0; round < runs; round++) {
    sumTimes.push(...(await timeRuns(1, () => sha256sum(file))))
    nodeTimes.push(...(await timeRuns(1, () => nodeSha256(file))))
    results.push(await publishOnce(file, size))
  }

  const chunks = results[0].chunks
  const publishMBps = mbps(size, median(results.map((r) => r.total)))
  const sha256sumMBps = mbps(size, median(sumTimes))
  const nodeSha256MBps = mbps(size, median(nodeTimes))
  const rows: Row[] = [
    { what: 'sha256sum', 'median s': median(sumTimes), 'MB/s': sha256sumMBps, 'x sha256sum': 1 },
    { what: 'node sha256, 1 thread', 'median s': median(nodeTimes), 'MB/s': nodeSha256MBps, 'x sha256sum': nodeSha256MBps / sha256sumMBps },
    ...PUBLISH_STEPS.map((step, i) => {
      const t = median(results.map((r) => r.steps[i]))
      return { what: `  step: ${step.name}`, 'median s': t, 'MB/s': mbps(size, t), 'x sha256sum': mbps(size, t) / sha256sumMBps }
    }),
    { what: 'publish', 'median s': median(results.map((r) => r.total)), 'MB/s': publishMBps, 'x sha256sum': publishMBps / sha256sumMBps },
  ]
  printTable(`publish of ${formatBytes(size)}` + (chunks ? `: ${chunks.length} chunks, mean ${formatBytes(Math.round(size / chunks.length))}` : ''), rows, 2)
  console.log(`goal: publish >= 0.7 x sha256sum -> ${(publishMBps / sha256sumMBps).toFixed(2)} x (${publishMBps / sha256sumMBps >= 0.7 ? 'met' : 'MISSED'})`)
  await writeJson(values.json, {
    publishMBps,
    sha256sumMBps,
    nodeSha256MBps,
    sizeBytes: size,
    runs,
    chunks: chunks?.length,
    steps: Object.fromEntries(PUBLISH_STEPS.map((s, i) => [s.name, mbps(size, median(results.map((r) => r.steps[i])))])),
  })
}

await main()
