import { accessSync, constants as fsConstants, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { NODE_RUNTIME } from '@imgswarm/cli/node-runtime'
import { lowerBound } from '@imgswarm/link-units'
import { resolveConfig, type BenchConfig, type BenchInit } from './bench-config.js'
import { buildReport, failedResult, systemResult, type BenchReport, type SystemResult } from './bench-report.js'
import { DEFAULT_PREPARE_TIMEOUT_MS, IMAGE_FILE_NAME } from './constants.js'
import { startCpuSampler, type CpuUse } from './cpu-sampler.js'
import { BenchAbortedError, BenchSetupError, SystemRunError } from './errors.js'
import { totalCpuSeconds } from './process-cpu.js'
import { ProcessGroup } from './processes.js'
import type { SystemName, SystemRunnerFactory } from './system-runner.js'
import { createBitTorrentRunner } from './systems/bittorrent-runner.js'
import { createHttpRunner } from './systems/http-runner.js'
import {
  defaultImgswarmCli,
  imgswarmRunnerFactory,
  type ImgswarmCli,
  type ImgswarmCliMode,
} from './systems/imgswarm-runner.js'
import { runCommandSync, TestNetwork } from './test-network.js'
import { createTestImage, sha256Files, type TestImage } from './test-image.js'
import { untilAborted, withTimeout } from './waiting.js'

export interface BenchHooks {
  /** Progress lines (default: stderr). */
  log?: (message: string) => void
  /** Abort to stop the run; everything is torn down before `runBenchmark` rejects. */
  signal?: AbortSignal
  /** Replace or add system runners (the imgswarm runner defaults to the workspace's CLI). */
  runners?: Partial<Record<SystemName, SystemRunnerFactory>>
  /** The imgswarm CLI entry (default: the workspace's, run from TypeScript sources). */
  imgswarmCli?: string
  /** How `imgswarmCli` runs, for the report (default: `given` when a path is given, else `source`). */
  imgswarmCliMode?: ImgswarmCliMode
}

const TOOLS: Record<SystemName, string[]> = {
  imgswarm: [],
  bittorrent: ['aria2c', 'mktorrent', 'opentracker', 'curl'],
  http: ['curl'],
}

/** The work directory of a run: fixed per prefix, so a crashed run's leftovers are found again. */
export function workDirFor(config: Pick<BenchConfig, 'workRoot' | 'namePrefix'>): string {
  return join(config.workRoot, `${config.namePrefix}work`)
}

/**
 * Runs the swarm benchmark: builds the namespaced test network, generates the image, runs each
 * system in turn on the same links, verifies every output, tears everything down, and returns the
 * report. Needs root (network namespaces, tc).
 */
export async function runBenchmark(init: BenchInit = {}, hooks: BenchHooks = {}): Promise<BenchReport> {
  const config = resolveConfig(init)
  const began = Date.now()
  const log = hooks.log ?? ((m: string) => process.stderr.write(`${((Date.now() - began) / 1000).toFixed(1).padStart(6)}s  ${m}\n`))
  const outer = hooks.signal ?? new AbortController().signal
  preflight(config)
  const cli: ImgswarmCli = {
    path: hooks.imgswarmCli ?? defaultImgswarmCli(),
    mode: hooks.imgswarmCliMode ?? (hooks.imgswarmCli === undefined ? 'source' : 'given'),
  }
  const factories: Record<SystemName, SystemRunnerFactory> = {
    // the compiled CLI runs as production runs it (apps/cli/node-runtime.json: Node flags, environment)
    imgswarm: imgswarmRunnerFactory({ cliPath: cli.path, ...(cli.mode === 'compiled' && { runtime: NODE_RUNTIME }) }),
    bittorrent: createBitTorrentRunner,
    http: createHttpRunner,
    ...hooks.runners,
  }
  const startedAt = new Date()
  const tStar = lowerBound({
    sizeBytes: config.sizeBytes,
    seedUpBitsPerS: config.seedUpBitsPerS,
    agents: Array.from({ length: config.agents }, () => ({ upBitsPerS: config.agentUpBitsPerS, downBitsPerS: config.agentDownBitsPerS })),
  })

  const workDir = workDirFor(config)
  const network = TestNetwork.create({
    prefix: config.namePrefix,
    subnet: config.subnet,
    seed: { upBitsPerS: config.seedUpBitsPerS, downBitsPerS: config.agentDownBitsPerS },
    agents: Array.from({ length: config.agents }, () => ({ upBitsPerS: config.agentUpBitsPerS, downBitsPerS: config.agentDownBitsPerS })),
  })
  const results: Partial<Record<SystemName, SystemResult>> = {}
  try {
    rmSync(workDir, { recursive: true, force: true })
    mkdirSync(workDir, { recursive: true })
    log(`network up: seed + ${config.agents} agent${config.agents === 1 ? '' : 's'} in namespaces ${config.namePrefix}*; T* = ${tStar.seconds.toFixed(2)} s`)
    const image = await createTestImage(join(workDir, IMAGE_FILE_NAME), config.sizeBytes)
    log(`image: ${image.path}, sha256 ${image.sha256.slice(0, 16)}…`)
    for (const name of config.systems) {
      if (outer.aborted) break
      results[name] = await runSystem(name, factories[name], { config, network, image, workDir, tStarS: tStar.seconds, log, outer })
      const r = results[name]
      log(r.error === undefined ? `${name}: last ${r.lastS?.toFixed(2)} s, median ${r.medianS?.toFixed(2)} s` : `${name} failed: ${r.error}`)
    }
  } finally {
    network.destroy()
    const failed = Object.values(results).some((r) => r.error !== undefined || !r.identical)
    if (config.keepWorkDir) {
      log(`work directory kept: ${workDir}`)
    } else if (failed || outer.aborted) {
      removeImages(workDir)
      log(`logs kept in ${workDir}`)
    } else {
      rmSync(workDir, { recursive: true, force: true })
    }
  }
  if (outer.aborted) throw new BenchAbortedError('benchmark interrupted; test network torn down')
  const usedCli = config.systems.includes('imgswarm') && hooks.runners?.imgswarm === undefined ? cli : undefined
  return buildReport(config, tStar, results, startedAt, usedCli)
}

interface RunSystemArgs {
  config: BenchConfig
  network: TestNetwork
  image: TestImage
  workDir: string
  tStarS: number
  log: (message: string) => void
  outer: AbortSignal
}

async function runSystem(name: SystemName, factory: SystemRunnerFactory, args: RunSystemArgs): Promise<SystemResult> {
  const { config, network, image, log, outer } = args
  const dir = join(args.workDir, name)
  mkdirSync(dir)
  const controller = new AbortController()
  const onOuterAbort = () => controller.abort(new BenchAbortedError(`${name} interrupted`))
  outer.addEventListener('abort', onOuterAbort, { once: true })
  const processes = new ProcessGroup()
  const runner = factory({
    image,
    seed: network.seed,
    agents: network.agents,
    workDir: dir,
    processes,
    signal: controller.signal,
    log: (m) => log(`[${name}] ${m}`),
  })
  let cpu: { stop(): CpuUse } | undefined
  let outputs: string[] = []
  try {
    log(`[${name}] starting the seed`)
    await untilAborted(runner.prepare(), controller.signal, `${name} to prepare`)
    let before = network.counters()
    const spawnedAt = Date.now()
    cpu = startCpuSampler()
    const runs = network.agents.map((agent) => runner.startAgent(agent))
    outputs = runs.map((r) => r.outPath)
    for (const r of runs) r.completed.catch(() => undefined) // failures are reported through Promise.all below
    let t0 = spawnedAt
    if (runs.some((r) => r.go !== undefined)) {
      // start barrier: every agent loaded and waiting, then all released at one instant
      log(`[${name}] ${runs.length} agents starting up`)
      const ready = Promise.all(runs.map((r) => Promise.race([r.ready, r.completed.then(() => undefined)])))
      await untilAborted(withTimeout(ready, DEFAULT_PREPARE_TIMEOUT_MS, `${name} agents to get ready`), controller.signal, `${name} agents to get ready`)
      before = network.counters()
      cpu.stop()
      cpu = startCpuSampler()
      t0 = Date.now()
      for (const r of runs) r.go?.()
    }
    const cpuAtStart = totalCpuSeconds(processes.processes.map((p) => p.pid))
    log(`[${name}] ${runs.length} agents started`)
    const timer = setTimeout(
      () => controller.abort(new SystemRunError(`${name} did not finish within ${Math.round(config.timeoutS)} s`)),
      config.timeoutS * 1000,
    )
    let done = 0
    const completions = runs.map((r) =>
      r.completed.then((at) => {
        done += 1
        log(`[${name}] ${r.agent.name} complete at ${((at - t0) / 1000).toFixed(2)} s (${done}/${runs.length})`)
        return at
      }),
    )
    for (const c of completions) c.catch(() => undefined)
    let doneAt: number[]
    try {
      doneAt = await untilAborted(Promise.all(completions), controller.signal, `${name} agents`)
    } finally {
      clearTimeout(timer)
    }
    const after = network.counters()
    const cpuAtEnd = totalCpuSeconds(processes.processes.map((p) => p.pid))
    const benchCpuS = [...cpuAtEnd].reduce((sum, [pid, s]) => sum + s - (cpuAtStart.get(pid) ?? 0), 0)
    const host = cpu.stop()
    cpu = undefined
    const wallS = Math.max(1e-3, (Date.now() - t0) / 1000)
    const cpuUse: CpuUse = { ...host, benchCpuS, benchBusy: benchCpuS / (wallS * host.cores) }
    const appCounters = await runner.stop()
    const hashes = await sha256Files(outputs)
    const mismatched = network.agents.filter((_, i) => hashes[i] !== image.sha256).map((a) => a.name)
    const delta = (node: string, key: 'txBytes' | 'rxBytes') => (after.get(node)?.[key] ?? 0) - (before.get(node)?.[key] ?? 0)
    return systemResult(
      {
        completionS: doneAt.map((at) => Math.max(0, at - t0) / 1000),
        seedBytes: delta(network.seed.name, 'txBytes'),
        identical: mismatched.length === 0,
        mismatched,
        agentUploadBytes: Object.fromEntries(network.agents.map((a) => [a.name, delta(a.name, 'txBytes')])),
        agentDownloadBytes: Object.fromEntries(network.agents.map((a) => [a.name, delta(a.name, 'rxBytes')])),
        cpu: cpuUse,
        ...(appCounters !== undefined && { appCounters }),
      },
      config.sizeBytes,
      args.tStarS,
    )
  } catch (err) {
    return failedResult(err, cpu?.stop())
  } finally {
    outer.removeEventListener('abort', onOuterAbort)
    await runner.stop().catch(() => undefined)
    await processes.stopAll('SIGKILL', 1000)
    for (const path of outputs) rmSync(path, { force: true }) // GiBs of copies; logs stay
  }
}

/** Fails early, with one clear message, when the machine cannot run the benchmark. */
function preflight(config: BenchConfig): void {
  if (process.getuid?.() !== 0) {
    throw new BenchSetupError('the swarm benchmark needs root: it creates network namespaces, veth pairs and tc qdiscs')
  }
  runCommandSync(['ip', 'netns', 'list'])
  const missing = ['ip', 'tc', ...config.systems.flatMap((s) => TOOLS[s])].filter((tool) => !onPath(tool))
  if (missing.length > 0) {
    throw new BenchSetupError(`missing tools: ${[...new Set(missing)].join(', ')} (Debian: apt-get install aria2 mktorrent opentracker curl iproute2)`)
  }
}

/** Deletes every copy of the image under `dir` (GiBs), keeping the logs for a look at what failed. */
function removeImages(dir: string): void {
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name === IMAGE_FILE_NAME) rmSync(join(entry.parentPath ?? entry.path, entry.name), { force: true })
  }
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), fsConstants.X_OK)
      return true
    } catch {
      return false
    }
  })
}
