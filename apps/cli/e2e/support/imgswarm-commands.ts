import { join } from 'node:path'
import { ChunkStore, partialPathFor } from '@imgswarm/chunk-store'
import { openManifest, parseManifestCid } from '@imgswarm/manifest'
import type { TransferStats, UploadStats } from '@imgswarm/swarm-node'
import type { CliProcess, CliProcesses } from './cli-process.js'
import { sha256File, writeRandomFile, type TempDirs } from './temp-files.js'

/** The line `imgswarm seed --json` prints once it serves. */
export interface SeedLine {
  manifest: string
  publisher: string
  addrs: string[]
}

/** The final line of `imgswarm fetch --json`. */
export type FetchResult = TransferStats &
  UploadStats & { manifest: string; out: string; transferMs: number; transferCpuMs: number; durationMs: number }

export interface RunningSeed {
  proc: CliProcess
  line: SeedLine
}

/** Starts `imgswarm seed <file> --json …` and waits for its JSON line. */
export async function startSeed(
  procs: CliProcesses,
  init: { file: string; dataDir: string; name?: string; version?: string; extra?: string[] },
): Promise<RunningSeed> {
  const proc = procs.spawn([
    'seed',
    init.file,
    '--name',
    init.name ?? 'e2e-image',
    '--version',
    init.version ?? '1.0.0',
    '--data-dir',
    init.dataDir,
    '--json',
    ...(init.extra ?? []),
  ])
  const line = await proc.waitFor('the seed JSON line', () => {
    const first = proc.stdoutLines()[0]
    return first === undefined ? undefined : (JSON.parse(first) as SeedLine)
  })
  return { proc, line }
}

/** A random image in a fresh temp dir, with its sha256, served by a seed whose data dir is `<root>/seed`. */
export interface SeededImage {
  root: string
  image: string
  imageSha: string
  seed: RunningSeed
}

export async function seedRandomImage(
  dirs: TempDirs,
  procs: CliProcesses,
  init: { size: number; extra?: string[] },
): Promise<SeededImage> {
  const root = await dirs.make()
  const image = join(root, 'golden.img')
  await writeRandomFile(image, init.size)
  const imageSha = await sha256File(image)
  const seed = await startSeed(procs, { file: image, dataDir: join(root, 'seed'), extra: init.extra })
  return { root, image, imageSha, seed }
}

/** Arguments of `imgswarm fetch` from the seed's line (its addresses, manifest and key). */
export function fetchArgs(seed: SeedLine, init: { out: string; dataDir: string; extra?: string[] }): string[] {
  return [
    'fetch',
    ...seed.addrs.flatMap((a) => ['--peer', a]),
    '--manifest',
    seed.manifest,
    '--trust',
    seed.publisher,
    '--out',
    init.out,
    '--data-dir',
    init.dataDir,
    ...(init.extra ?? []),
  ]
}

/**
 * The highest progress percentage a fetch run with `--log-format json` has logged so far
 * (its non-TTY progress lines read `<name> 23.8% 3.8 MiB / 16.0 MiB, …`), or -1.
 */
export function progressPercent(stderr: string): number {
  let best = -1
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue
    let msg: unknown
    try {
      msg = (JSON.parse(line) as { msg?: unknown }).msg
    } catch {
      continue // a line still being written
    }
    const m = typeof msg === 'string' ? /\s(\d+(?:\.\d+)?)% /.exec(msg) : null
    if (m !== null) best = Math.max(best, Number(m[1]))
  }
  return best
}

/**
 * How many chunks a (stopped) fetch has recorded as durable for `out`: its resume state, read
 * the way the next run will read it. The store is closed again so its lock is released.
 */
export async function durableChunkCount(dataDir: string, seed: SeedLine, out: string): Promise<number> {
  const store = await ChunkStore.open(dataDir)
  try {
    const bytes = await store.getManifest(seed.manifest)
    if (bytes === undefined) throw new Error(`no manifest ${seed.manifest} in ${dataDir}`)
    const manifest = openManifest(bytes, { expectedCid: parseManifestCid(seed.manifest), trusted: [seed.publisher] })
    const download = await store.openDownload(seed.manifest, manifest.manifest, partialPathFor(out))
    return download.durable.count
  } finally {
    await store.close()
  }
}
