import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, type WriteStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { DEFAULT_STOP_GRACE_MS } from './constants.js'

/** How a process ended: its exit code, or the signal that ended it. */
export interface ProcessExit {
  code: number | null
  signal: NodeJS.Signals | null
  /** Epoch ms at which the exit was seen. */
  at: number
  /** Set when the process could not be started at all. */
  error?: Error
}

export interface SpawnInNamespaceOptions {
  /** Network namespace to run in (`ip netns exec <ns> …`, which execs the command in place). */
  ns: string
  command: string
  args: readonly string[]
  /** stdout and stderr are appended here. */
  logFile: string
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Keep stdin open as a pipe (for `BenchProcess.write`, e.g. a start signal). */
  stdin?: boolean
  /** Called with each stdout line (also logged) as it arrives. */
  onStdoutLine?: (line: string, at: number) => void
}

/** One process the benchmark started, running inside a test namespace. */
export class BenchProcess {
  readonly label: string
  readonly exited: Promise<ProcessExit>
  #exit: ProcessExit | undefined
  readonly #child: ChildProcess

  constructor(label: string, child: ChildProcess, log: WriteStream, onStdoutLine?: SpawnInNamespaceOptions['onStdoutLine']) {
    this.label = label
    this.#child = child
    child.stderr?.pipe(log, { end: false })
    let stdoutDone: Promise<void> = Promise.resolve()
    if (onStdoutLine !== undefined && child.stdout !== null) {
      const lines = createInterface({ input: child.stdout, crlfDelay: Infinity })
      lines.on('line', (line) => {
        log.write(`${line}\n`)
        onStdoutLine(line, Date.now())
      })
      stdoutDone = new Promise((resolve) => lines.once('close', resolve))
    } else {
      child.stdout?.pipe(log, { end: false })
    }
    this.exited = new Promise<ProcessExit>((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, at: Date.now(), error }))
      // 'close' comes after stdio ends, so every stdout line has been delivered by then
      child.once('close', (code, signal) => resolve({ code, signal, at: Date.now() }))
    }).then(async (exit) => {
      await stdoutDone
      this.#exit = exit
      await new Promise<void>((resolve) => log.end(resolve))
      return exit
    })
  }

  get pid(): number | undefined {
    return this.#child.pid
  }

  /** The exit, once it happened. */
  get exit(): ProcessExit | undefined {
    return this.#exit
  }

  /** Writes to the process's stdin (spawned with `stdin: true`); ignored once it has exited. */
  write(text: string): void {
    const stdin = this.#child.stdin
    if (stdin === null || this.#exit !== undefined || stdin.destroyed) return
    stdin.on('error', () => undefined) // EPIPE if it exits meanwhile
    stdin.write(text)
  }

  signal(signal: NodeJS.Signals): void {
    if (this.#exit === undefined && this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill(signal)
    }
  }

  /** Sends `signal`, then SIGKILL if the process is still there after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = DEFAULT_STOP_GRACE_MS): Promise<ProcessExit> {
    this.signal(signal)
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs)
    try {
      return await this.exited
    } finally {
      clearTimeout(timer)
    }
  }
}

/** Every process started for one system, so that all of them can be stopped together. */
export class ProcessGroup {
  readonly #processes: BenchProcess[] = []

  /** Starts `command` inside a namespace; its output goes to `logFile`. */
  spawnInNamespace(label: string, options: SpawnInNamespaceOptions): BenchProcess {
    const log = createWriteStream(options.logFile, { flags: 'a' })
    const child = spawn('ip', ['netns', 'exec', options.ns, options.command, ...options.args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    })
    const proc = new BenchProcess(label, child, log, options.onStdoutLine)
    this.#processes.push(proc)
    return proc
  }

  get processes(): readonly BenchProcess[] {
    return this.#processes
  }

  /** Stops every process still running: `signal` first, SIGKILL after `graceMs`. */
  async stopAll(signal: NodeJS.Signals = 'SIGTERM', graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
    await Promise.all(this.#processes.map((p) => p.stop(signal, graceMs)))
  }
}
