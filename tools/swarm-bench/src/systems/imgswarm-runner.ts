import { existsSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { NodeRuntime } from '@imgswarm/cli/node-runtime'
import { DEFAULT_PREPARE_TIMEOUT_MS, IMAGE_FILE_NAME, SEED_PORT } from '../constants.js'
import { BenchSetupError, SystemRunError } from '../errors.js'
import type { BenchNode } from '../network-plan.js'
import type { BenchProcess } from '../processes.js'
import type { AgentRun, AppCounters, SystemContext, SystemRunner } from '../system-runner.js'
import { exitedEarly, pollUntil, runLocal } from '../waiting.js'

export interface ImgswarmRunnerInit {
  /** The `imgswarm` CLI entry (a JS file run with this Node). */
  cliPath: string
  /** Seconds finished agents keep serving; they are stopped as soon as every agent is done. */
  lingerS?: number
  /**
   * Use the fetch command's start barrier (`--wait-for-start`: print `{"event":"ready"}` once up,
   * fetch when a line arrives on stdin) so that Node start-up is not timed. Default: whenever
   * `imgswarm fetch --help` lists the flag.
   */
  startBarrier?: boolean
  /**
   * Seconds each agent keeps redialling the seed if it does not answer (`--connect-within`, when
   * the CLI has it): 16–32 processes connecting at once on 2 cores can miss a single dial timeout.
   */
  connectWithinS?: number
  /** Node flags and environment every imgswarm process runs with (production's, for the compiled CLI). */
  runtime?: NodeRuntime
}

/** How the imgswarm CLI runs: compiled JavaScript (as in production), from TypeScript sources, or a given entry. */
export type ImgswarmCliMode = 'compiled' | 'source' | 'given'

/** The imgswarm CLI a run used. */
export interface ImgswarmCli {
  path: string
  mode: ImgswarmCliMode
}

/** The fetch flag of the start barrier. */
export const START_BARRIER_FLAG = '--wait-for-start'
/** The fetch flag bounding how long unreachable --peer addresses are redialled. */
export const CONNECT_WITHIN_FLAG = '--connect-within'
/** Default of `ImgswarmRunnerInit.connectWithinS`. */
export const DEFAULT_CONNECT_WITHIN_S = 120

/** What `imgswarm seed --json` prints once serving. */
export interface SeedAnnouncement {
  manifest: string
  publisher: string
  addrs: string[]
}

/** Parses a stdout line as a JSON object, or undefined if it is not one. */
export function parseJsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined
  try {
    const value: unknown = JSON.parse(line)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** The seed's `{manifest, publisher, addrs}` line, if `line` is one. */
export function parseSeedAnnouncement(line: string): SeedAnnouncement | undefined {
  const o = parseJsonLine(line)
  if (o === undefined || typeof o.manifest !== 'string' || typeof o.publisher !== 'string' || !Array.isArray(o.addrs)) return undefined
  return { manifest: o.manifest, publisher: o.publisher, addrs: o.addrs.filter((a): a is string => typeof a === 'string') }
}

/** The numeric fields of a JSON object (the fetch command's counters). */
export function numericFields(o: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, number] => typeof e[1] === 'number'))
}

/** The root of the workspace this tool lives in (the package.json with `workspaces`). */
export function workspaceRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg) && 'workspaces' in (JSON.parse(readFileSync(pkg, 'utf8')) as object)) return dir
    const parent = dirname(dir)
    if (parent === dir) throw new BenchSetupError('cannot find the workspace root to locate the imgswarm CLI; pass --imgswarm-cli')
    dir = parent
  }
}

/**
 * The CLI run from its TypeScript sources: `node_modules/.bin/imgswarm` of the workspace, else the
 * CLI's bin file (SWC loader; 1.5–3.5 s of CPU to start on a loaded 2-core machine).
 */
export function defaultImgswarmCli(): string {
  const root = workspaceRoot()
  const linked = join(root, 'node_modules', '.bin', 'imgswarm')
  return existsSync(linked) ? realpathSync(linked) : join(root, 'apps', 'cli', 'bin', 'imgswarm.js')
}

/** The compiled CLI that `npm run build` writes and production runs: `apps/cli/dist/main.js`. */
export function compiledImgswarmCli(): string {
  return join(workspaceRoot(), 'apps', 'cli', 'dist', 'main.js')
}

/** Compiles the workspace (`node tools/build.mjs`, what `npm run build` runs) and returns the compiled CLI. */
export async function buildImgswarmCli(): Promise<string> {
  const root = workspaceRoot()
  await runLocal(process.execPath, [join(root, 'tools', 'build.mjs')])
  const cli = compiledImgswarmCli()
  if (!existsSync(cli)) throw new BenchSetupError(`the build wrote no ${cli}`)
  return cli
}

/**
 * imgswarm itself: `imgswarm seed` in the seed's namespace, `imgswarm fetch --peer <seed>` on every
 * agent (they find each other by peer exchange) lingering until the benchmark stops them.
 * Completion is a `{"event":"complete"}` JSON line, or else the output file appearing at full size
 * (the CLI writes it atomically, so it appears whole).
 */
export class ImgswarmRunner implements SystemRunner {
  readonly name = 'imgswarm' as const
  readonly #ctx: SystemContext
  readonly #init: ImgswarmRunnerInit
  #seedProcess: BenchProcess | undefined
  #announcement: SeedAnnouncement | undefined
  #barrier = false
  #connectWithin = false
  readonly #agents: { name: string; proc: BenchProcess; state: FetchState }[] = []

  constructor(context: SystemContext, init: ImgswarmRunnerInit) {
    this.#ctx = context
    this.#init = init
  }

  async prepare(): Promise<void> {
    const { image, seed, workDir, processes, signal } = this.#ctx
    if (!existsSync(this.#init.cliPath)) throw new BenchSetupError(`imgswarm CLI not found at ${this.#init.cliPath}`)
    const help = await runLocal(process.execPath, [this.#init.cliPath, 'fetch', '--help'])
    this.#barrier = this.#init.startBarrier ?? help.includes(START_BARRIER_FLAG)
    this.#connectWithin = help.includes(CONNECT_WITHIN_FLAG)
    const flags = this.#nodeFlags().join(' ')
    const env = Object.entries(this.#init.runtime?.env ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')
    this.#ctx.log(`CLI ${env === '' ? '' : `${env} `}node ${flags === '' ? '' : `${flags} `}${this.#init.cliPath}`)
    this.#ctx.log(this.#barrier ? 'agents use the start barrier (Node start-up not timed)' : 'no start barrier in this CLI: Node start-up is timed')
    const logFile = join(workDir, 'seed.log')
    const proc = processes.spawnInNamespace('imgswarm seed', {
      ns: seed.ns,
      command: process.execPath,
      env: this.#env(),
      args: [
        ...this.#nodeFlags(), this.#init.cliPath, 'seed', image.path, '--name', 'swarm-bench', '--version', '1',
        '--data-dir', join(workDir, 'seed-data'), '--listen', `/ip4/${seed.ip}/tcp/${SEED_PORT}`, '--json',
      ],
      logFile,
      onStdoutLine: (line) => {
        this.#announcement ??= parseSeedAnnouncement(line)
      },
    })
    this.#seedProcess = proc
    await pollUntil(() => this.#announcement, {
      what: 'imgswarm seed to print its manifest',
      signal,
      intervalMs: 100,
      timeoutMs: DEFAULT_PREPARE_TIMEOUT_MS,
      failure: exitedEarly(proc, logFile),
    })
  }

  startAgent(agent: BenchNode): AgentRun {
    const { seed, workDir, processes, signal } = this.#ctx
    const seen = this.#announcement
    if (seen === undefined) throw new SystemRunError('imgswarm agents started before the seed served')
    const seedAddr = seen.addrs.find((a) => a.startsWith(`/ip4/${seed.ip}/`)) ?? seen.addrs[0]
    if (seedAddr === undefined) throw new SystemRunError('imgswarm seed printed no address')
    const dir = join(workDir, agent.name)
    mkdirSync(dir)
    const outPath = join(dir, IMAGE_FILE_NAME)
    const logFile = join(dir, 'fetch.log')
    const state: FetchState = {}
    const proc = processes.spawnInNamespace(`imgswarm fetch on ${agent.name}`, {
      ns: agent.ns,
      command: process.execPath,
      env: this.#env(),
      args: [
        ...this.#nodeFlags(), this.#init.cliPath, 'fetch', '--peer', seedAddr, '--manifest', seen.manifest, '--trust', seen.publisher,
        '--out', outPath, '--data-dir', join(dir, 'data'), '--listen', `/ip4/${agent.ip}/tcp/${SEED_PORT}`,
        '--linger', String(this.#init.lingerS ?? 86_400), '--json', ...(this.#barrier ? [START_BARRIER_FLAG] : []),
        ...(this.#connectWithin ? [CONNECT_WITHIN_FLAG, String(this.#init.connectWithinS ?? DEFAULT_CONNECT_WITHIN_S)] : []),
      ],
      logFile,
      stdin: this.#barrier,
      onStdoutLine: (line, at) => {
        const o = parseJsonLine(line)
        if (o === undefined) return
        state.last = o
        if (o.event === 'ready') state.ready = true
        if (o.event === 'complete') state.completedAt ??= at
      },
    })
    this.#agents.push({ name: agent.name, proc, state })
    const size = this.#ctx.image.sizeBytes
    const completed = pollUntil(() => state.completedAt ?? (fileHasSize(outPath, size) ? Date.now() : undefined), {
      what: `${agent.name} to complete`,
      signal,
      failure: exitedEarly(proc, logFile),
    })
    if (!this.#barrier) return { agent, outPath, completed }
    const ready = pollUntil(() => (state.ready === true ? true : undefined), {
      what: `${agent.name} to get ready`,
      signal,
      intervalMs: 100,
      failure: exitedEarly(proc, logFile),
    }).then(() => undefined)
    return { agent, outPath, completed, ready, go: () => proc.write('start\n') }
  }

  #nodeFlags(): string[] {
    return this.#init.runtime?.nodeFlags ?? []
  }

  #env(): NodeJS.ProcessEnv {
    return { ...process.env, ...this.#init.runtime?.env }
  }

  /** SIGTERM ends the agents' linger; each then prints its final counters line and exits. */
  async stop(): Promise<AppCounters> {
    await Promise.all(this.#agents.map((a) => a.proc.stop('SIGTERM')))
    await this.#seedProcess?.stop('SIGTERM')
    const counters: AppCounters = {}
    for (const a of this.#agents) if (a.state.last !== undefined) counters[a.name] = numericFields(a.state.last)
    return counters
  }
}

/** What an agent's stdout told so far: its latest JSON line and when it said it was complete. */
interface FetchState {
  last?: Record<string, unknown>
  ready?: boolean
  completedAt?: number
}

function fileHasSize(path: string, size: number): boolean {
  try {
    const st = statSync(path)
    return st.isFile() && st.size === size
  } catch {
    return false
  }
}

export const imgswarmRunnerFactory =
  (init: ImgswarmRunnerInit) =>
  (context: SystemContext): SystemRunner =>
    new ImgswarmRunner(context, init)
