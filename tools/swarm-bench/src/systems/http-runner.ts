import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_PREPARE_TIMEOUT_MS, HTTP_PORT, IMAGE_FILE_NAME } from '../constants.js'
import { SystemRunError } from '../errors.js'
import type { BenchNode } from '../network-plan.js'
import type { BenchProcess } from '../processes.js'
import type { AgentRun, SystemContext, SystemRunner } from '../system-runner.js'
import { exitedEarly, pollUntil } from '../waiting.js'

/** Line the `serve-file` command prints once it accepts connections. */
export const SERVING_LINE = 'serving'

const BENCH_BIN = fileURLToPath(new URL('../../bin/swarm-bench.js', import.meta.url))

/** A central server: a static HTTP server in the seed's namespace, every agent fetching with curl. */
export class HttpRunner implements SystemRunner {
  readonly name = 'http' as const
  readonly #ctx: SystemContext
  #server: BenchProcess | undefined
  #serving = false
  #agents: BenchProcess[] = []

  constructor(context: SystemContext) {
    this.#ctx = context
  }

  async prepare(): Promise<void> {
    const { image, seed, workDir, processes, signal } = this.#ctx
    const logFile = join(workDir, 'server.log')
    const server = processes.spawnInNamespace('HTTP server', {
      ns: seed.ns,
      command: process.execPath,
      args: [BENCH_BIN, 'serve-file', image.path, '--host', seed.ip, '--port', String(HTTP_PORT)],
      logFile,
      onStdoutLine: (line) => {
        if (line === SERVING_LINE) this.#serving = true
      },
    })
    this.#server = server
    await pollUntil(() => (this.#serving ? true : undefined), {
      what: 'the HTTP server to listen',
      signal,
      timeoutMs: DEFAULT_PREPARE_TIMEOUT_MS,
      failure: exitedEarly(server, logFile),
    })
  }

  startAgent(agent: BenchNode): AgentRun {
    const { seed, workDir, processes } = this.#ctx
    const dir = join(workDir, agent.name)
    mkdirSync(dir)
    const outPath = join(dir, IMAGE_FILE_NAME)
    const logFile = join(dir, 'curl.log')
    const proc = processes.spawnInNamespace(`curl on ${agent.name}`, {
      ns: agent.ns,
      command: 'curl',
      args: ['--fail', '--silent', '--show-error', '--output', outPath, `http://${seed.ip}:${HTTP_PORT}/${IMAGE_FILE_NAME}`],
      logFile,
    })
    this.#agents.push(proc)
    // curl exits once the whole body is written: that exit is the completion
    const completed = proc.exited.then((exit) => {
      if (exit.code === 0) return exit.at
      throw new SystemRunError(`curl on ${agent.name} failed (${exit.error?.message ?? `code ${exit.code}`}); see ${logFile}`)
    })
    return { agent, outPath, completed }
  }

  async stop(): Promise<undefined> {
    await Promise.all(this.#agents.map((p) => p.stop('SIGTERM')))
    await this.#server?.stop('SIGTERM')
    return undefined
  }
}

export const createHttpRunner = (context: SystemContext): SystemRunner => new HttpRunner(context)
