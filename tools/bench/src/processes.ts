// Child processes for benchmarks: the real CLI and helper scripts, each killed on exit.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
// how production runs the compiled CLI (Node flags, environment): the same file deploy/ follows
import { NODE_RUNTIME } from '@imgswarm/cli/node-runtime'

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
export const CLI = join(REPO_ROOT, 'apps', 'cli', 'bin', 'imgswarm.js')
/** The CLI compiled by `npm run build`: plain JavaScript, no TypeScript loader (production). */
export const COMPILED_CLI = join(REPO_ROOT, 'apps', 'cli', 'dist', 'main.js')
const RUN = join(REPO_ROOT, 'tools', 'bench', 'bin', 'run.js')

const children = new Set<ChildProcess>()
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL')
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => process.exit(130))
}

export interface Child {
  proc: ChildProcess
  /** Resolves with the first stdout line. */
  firstLine: Promise<string>
  /** Resolves with every stdout line once the process exited 0; rejects otherwise (with stderr). */
  exited: Promise<string[]>
}

/** Where a child runs: `cpu` pins it (every thread) to that one CPU with taskset(1). */
export interface Placement {
  cpu?: number
}

function start(args: string[], env: Record<string, string> = {}, placement: Placement = {}): Child {
  // taskset execs node in place: the child's pid is node's, so cpuSeconds() still reads the right process
  const [command, argv] = placement.cpu === undefined ? [process.execPath, args] : ['taskset', ['-c', String(placement.cpu), process.execPath, ...args]]
  const proc = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO_ROOT, env: { ...env, ...process.env } })
  children.add(proc)
  const lines: string[] = []
  let stderr = ''
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
  const rl = createInterface({ input: proc.stdout! })
  const firstLine = new Promise<string>((resolve, reject) => {
    rl.once('line', resolve)
    proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code} before printing: ${stderr}`)))
  })
  rl.on('line', (l) => lines.push(l))
  const exited = new Promise<string[]>((resolve, reject) => {
    proc.once('exit', (code, signal) => {
      children.delete(proc)
      if (code === 0) resolve(lines)
      else reject(new Error(`${args.slice(0, 2).join(' ')} exited ${code ?? signal}: ${stderr}`))
    })
  })
  firstLine.catch(() => {})
  exited.catch(() => {})
  return { proc, firstLine, exited }
}

/**
 * `imgswarm <args>` as a child process: from source, or the compiled build run as production
 * runs it (NODE_RUNTIME's flags and environment).
 */
export function cli(args: string[], entry: string = CLI, placement: Placement = {}): Child {
  if (entry === COMPILED_CLI) return start([...NODE_RUNTIME.nodeFlags, entry, ...args], NODE_RUNTIME.env, placement)
  return start([entry, ...args], {}, placement)
}

/** The benchmarks' options choosing how the CLI runs (for node:util parseArgs). */
export const CLI_ENTRY_OPTIONS = {
  'from-source': { type: 'boolean', default: false },
  'no-build': { type: 'boolean', default: false },
} as const

/**
 * The CLI entry a benchmark measures: compiled (built first unless --no-build), as production
 * runs it, or with --from-source the sources through the TypeScript loader.
 */
export async function cliEntry(values: { 'from-source'?: boolean; 'no-build'?: boolean }): Promise<{ entry: string; fromSource: boolean }> {
  const fromSource = values['from-source'] === true
  if (!fromSource && values['no-build'] !== true) await buildCompiled()
  return { entry: fromSource ? CLI : COMPILED_CLI, fromSource }
}

/** Compiles the workspace to dist/ (tools/build.mjs). */
export async function buildCompiled(): Promise<void> {
  await start([join(REPO_ROOT, 'tools', 'build.mjs')]).exited
}

/** A TypeScript helper script of the benchmarks as a child process. */
export function script(path: string, args: string[], placement: Placement = {}): Child {
  return start([RUN, path, ...args], {}, placement)
}

/** Linux's clock tick for /proc times (USER_HZ: 100 on every Linux ABI node runs on). */
const USER_HZ = 100

/**
 * CPU seconds a running child has used so far, every thread (user + system, from
 * /proc/<pid>/stat); undefined where there is no /proc or the child is gone.
 */
export function cpuSeconds(child: Child): number | undefined {
  try {
    const stat = readFileSync(`/proc/${child.proc.pid}/stat`, 'utf8')
    // fields after the parenthesised command name: state is field 3, utime 14, stime 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ
  } catch {
    return undefined
  }
}

export async function stop(child: Child): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return
  child.proc.kill('SIGTERM')
  await child.exited.catch(() => {})
}
