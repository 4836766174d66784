import { spawn, type ChildProcess } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Repository root, from this file's place in apps/cli/e2e/support. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..')

/** The committed bin file, as `npx imgswarm` runs it. */
export const CLI_BIN = join(REPO_ROOT, 'apps', 'cli', 'bin', 'imgswarm.js')

/** How long to wait for any one condition: startup alone takes seconds on a loaded 2-core machine. */
export const DEFAULT_WAIT_MS = 150_000

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface SpawnInit {
  /** Extra environment on top of this process's. */
  env?: Record<string, string>
  /** Shell commands run before the CLI is exec'd in its place, e.g. `ulimit -f 2048`. */
  shellPrefix?: string
  /** Give the child a stdin pipe (`child.stdin`); otherwise its stdin is /dev/null. */
  stdin?: boolean
}

/**
 * One `imgswarm` child process with its output collected. Conditions are waited for by
 * polling what it has printed (never by sleeping a fixed time); every wait fails early, with
 * the output so far, if the process exits first.
 */
export class CliProcess {
  readonly child: ChildProcess
  readonly exited: Promise<Exit>
  readonly args: readonly string[]
  #stdout = ''
  #stderr = ''
  #exit: Exit | undefined
  readonly #startedAt = Date.now()
  #exitedAt: number | undefined

  constructor(args: readonly string[], init: SpawnInit = {}) {
    this.args = args
    const env = { ...process.env, ...init.env }
    const stdio: ['pipe' | 'ignore', 'pipe', 'pipe'] = [init.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe']
    // The script runs in `sh`, so the CLI (not the shell) is the child: signals reach node.
    this.child =
      init.shellPrefix === undefined
        ? spawn(process.execPath, [CLI_BIN, ...args], { cwd: REPO_ROOT, env, stdio })
        : spawn('sh', ['-c', `${init.shellPrefix}; exec "$0" "$@"`, process.execPath, CLI_BIN, ...args], {
            cwd: REPO_ROOT,
            env,
            stdio,
          })
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.#stdout += d))
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.#stderr += d))
    this.exited = new Promise((resolve) => {
      // 'close' comes after both pipes ended, so the output is complete when this resolves.
      this.child.on('close', (code, signal) => {
        this.#exitedAt = Date.now()
        this.#exit = { code, signal }
        resolve(this.#exit)
      })
      this.child.on('error', (err) => {
        this.#stderr += `\n[spawn error] ${err.message}\n`
        this.#exit = { code: -1, signal: null }
        resolve(this.#exit)
      })
    })
  }

  get stdout(): string {
    return this.#stdout
  }

  get stderr(): string {
    return this.#stderr
  }

  /** Milliseconds from spawn to exit (or until now). */
  get elapsedMs(): number {
    return (this.#exitedAt ?? Date.now()) - this.#startedAt
  }

  get running(): boolean {
    return this.#exit === undefined
  }

  /** Lines of stdout, without the empty tail. */
  stdoutLines(): string[] {
    return this.#stdout.split('\n').filter((l) => l.length > 0)
  }

  /** The last stdout line parsed as JSON (the `--json` result). */
  lastJson<T = Record<string, unknown>>(): T {
    const lines = this.stdoutLines()
    if (lines.length === 0) throw new Error(`no JSON line on stdout\n${this.describe()}`)
    return JSON.parse(lines[lines.length - 1]) as T
  }

  /**
   * Polls until `probe` returns something other than `undefined` and returns it. Fails if the
   * process exits before, or after `timeoutMs`, with its output in the message.
   */
  async waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = probe()
      if (value !== undefined) return value
      if (!this.running) throw new Error(`exited (${formatExit(this.#exit)}) before ${what}\n${this.describe()}`)
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.describe()}`)
      await pause(50)
    }
  }

  /** Waits for the exit; fails after `timeoutMs` (the process is left to the cleanup). */
  async waitForExit(timeoutMs = DEFAULT_WAIT_MS): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms\n${this.describe()}`)), timeoutMs)
    })
    try {
      return await Promise.race([this.exited, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Sends `signal` if still running and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (this.running) this.child.kill(signal)
    return this.exited
  }

  /** The command and its output, for failure messages. */
  describe(): string {
    return (
      `$ imgswarm ${this.args.join(' ')}\n` +
      `--- exit: ${formatExit(this.#exit)} after ${this.elapsedMs} ms\n--- stdout:\n${tail(this.#stdout)}\n--- stderr:\n${tail(this.#stderr)}`
    )
  }
}

/**
 * Every child a test file starts, so that `afterEach`/`afterAll` can kill whatever is still
 * running, whatever happened in the test.
 */
export class CliProcesses {
  readonly #all = new Set<CliProcess>()

  constructor(private readonly defaults: SpawnInit = {}) {}

  spawn(args: readonly string[], init: SpawnInit = {}): CliProcess {
    const proc = new CliProcess(args, {
      ...this.defaults,
      ...init,
      env: { ...this.defaults.env, ...init.env },
    })
    this.#all.add(proc)
    void proc.exited.then(() => this.#all.delete(proc))
    return proc
  }

  /** Runs a command to its end. */
  async run(args: readonly string[], init: SpawnInit = {}, timeoutMs = DEFAULT_WAIT_MS): Promise<CliProcess> {
    const proc = this.spawn(args, init)
    await proc.waitForExit(timeoutMs)
    return proc
  }

  /** SIGKILLs every child still running and waits until each has exited. */
  async killAll(): Promise<void> {
    await Promise.all([...this.#all].map((p) => p.stop('SIGKILL')))
  }
}

function formatExit(exit: Exit | undefined): string {
  if (exit === undefined) return 'still running'
  return exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code}`
}

function tail(text: string, max = 4000): string {
  return text.length > max ? `…${text.slice(-max)}` : text
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
