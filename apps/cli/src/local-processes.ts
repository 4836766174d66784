import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, type WriteStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ImgswarmError } from '@imgswarm/core'
import { NODE_RUNTIME } from './node-runtime.js'

/**
 * The CLI as this process runs it: from its sources, the committed bin file (`npx imgswarm`);
 * compiled, `dist/main.js` beside this module. Children run with this very node.
 */
const FROM_SOURCES = import.meta.url.endsWith('.ts')
export const CLI_BIN = fileURLToPath(new URL(FROM_SOURCES ? '../bin/imgswarm.js' : './main.js', import.meta.url))
/** Compiled children run as production does (node-runtime.json); from sources the loader dominates anyway. */
const RUNTIME_FLAGS = FROM_SOURCES ? [] : NODE_RUNTIME.nodeFlags
const RUNTIME_ENV = FROM_SOURCES ? {} : NODE_RUNTIME.env

/** A child `imgswarm` process failed or did not say what it was expected to. */
export class ChildProcessError extends ImgswarmError {
  static override name = 'ChildProcessError'
  override readonly code = 'ERR_CHILD_PROCESS'
}

export interface LocalProcess {
  readonly name: string
  readonly child: ChildProcess
  /** Where its stderr (its log) goes. */
  readonly logPath: string
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | NodeJS.Signals>
  readonly running: boolean
  /** The first stdout line, parsed as JSON (the `--json` line); rejects if the process exits first. */
  firstJson<T>(): Promise<T>
  /** The last lines of its log. */
  logTail(lines?: number): Promise<string>
}

/**
 * `imgswarm` child processes that are always stopped: `stopAll()` sends SIGTERM, then SIGKILL
 * after a grace period, and an exit hook SIGKILLs whatever is left if this process ends some
 * other way (an uncaught error, `process.exit`).
 */
export class LocalProcesses {
  readonly #all: LocalProcessImpl[] = []
  readonly #onExit = (): void => {
    for (const p of this.#all) if (p.running) p.child.kill('SIGKILL')
  }

  constructor(private readonly logDir: string) {
    process.on('exit', this.#onExit)
  }

  spawn(name: string, args: readonly string[], env: Record<string, string> = {}): LocalProcess {
    const logPath = join(this.logDir, `${name}.log`)
    const proc = new LocalProcessImpl(name, args, { ...process.env, ...env }, createWriteStream(logPath), logPath)
    this.#all.push(proc)
    return proc
  }

  /** Runs a command to its end; rejects with its log tail unless it exits 0. */
  async run(name: string, args: readonly string[], env: Record<string, string> = {}): Promise<LocalProcess> {
    const proc = this.spawn(name, args, env)
    const code = await proc.exited
    if (code !== 0) throw new ChildProcessError(`${name} exited with ${code}:\n${await proc.logTail()}`)
    return proc
  }

  /** SIGTERM to every running child, SIGKILL to those still running after `graceMs`. */
  async stopAll(graceMs = 10_000): Promise<void> {
    const running = this.#all.filter((p) => p.running)
    for (const p of running) p.child.kill('SIGTERM')
    const timer = setTimeout(() => {
      for (const p of running) if (p.running) p.child.kill('SIGKILL')
    }, graceMs)
    await Promise.all(running.map((p) => p.exited))
    clearTimeout(timer)
    process.off('exit', this.#onExit)
  }
}

class LocalProcessImpl implements LocalProcess {
  readonly child: ChildProcess
  readonly exited: Promise<number | NodeJS.Signals>
  #running = true
  #stdout = ''
  readonly #lineWaiters: Array<() => void> = []

  constructor(
    readonly name: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
    log: WriteStream,
    readonly logPath: string,
  ) {
    this.child = spawn(process.execPath, [...RUNTIME_FLAGS, CLI_BIN, ...args], {
      env: { ...RUNTIME_ENV, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.child.stderr?.pipe(log)
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.#stdout += d
      this.#wake()
    })
    this.exited = new Promise((resolve) => {
      this.child.on('error', (err) => {
        log.write(`[spawn error] ${err.message}\n`)
      })
      this.child.on('close', (code, signal) => {
        this.#running = false
        this.#wake()
        log.end()
        resolve(code ?? signal ?? 1)
      })
    })
  }

  get running(): boolean {
    return this.#running
  }

  async firstJson<T>(): Promise<T> {
    for (;;) {
      const newline = this.#stdout.indexOf('\n')
      if (newline >= 0) {
        const line = this.#stdout.slice(0, newline)
        try {
          return JSON.parse(line) as T
        } catch {
          throw new ChildProcessError(`${this.name} printed "${line.slice(0, 200)}" where a JSON line was expected`)
        }
      }
      if (!this.#running) throw new ChildProcessError(`${this.name} exited before it was ready:\n${await this.logTail()}`)
      await new Promise<void>((resolve) => this.#lineWaiters.push(resolve))
    }
  }

  async logTail(lines = 15): Promise<string> {
    const text = await readFile(this.logPath, 'utf8').catch(() => '')
    return text
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .map((l) => `    ${this.name} | ${l}`)
      .join('\n')
  }

  #wake(): void {
    for (const wake of this.#lineWaiters.splice(0)) wake()
  }
}
