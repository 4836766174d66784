import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command, InvalidArgumentError } from 'commander'
import { ImgswarmError } from '@imgswarm/core'
import { CoordinatorClient, type RolloutView } from '@imgswarm/coordinator-client'
import { formatBytes, formatDuration } from '../format.js'
import { LocalProcesses, type LocalProcess } from '../local-processes.js'
import { metricValue } from '../prometheus-text.js'
import { formatCounts, isSettled, renderRollout } from '../status-table.js'

/** The demo ended without every node active on the image with verified content. */
export class DemoFailedError extends ImgswarmError {
  static override name = 'DemoFailedError'
  override readonly code = 'ERR_DEMO_FAILED'
}

/** Two sites, three agents and two: waves spread across both. */
const AGENTS = [
  { name: 'agent-1', site: 'plant-1' },
  { name: 'agent-2', site: 'plant-1' },
  { name: 'agent-3', site: 'plant-1' },
  { name: 'agent-4', site: 'plant-2' },
  { name: 'agent-5', site: 'plant-2' },
] as const

const IMAGE = { name: 'demo-image', version: '2026.11' }
const WAVES = '40%,100%'
const MiB = 1024 * 1024

interface DemoOptions {
  size: number
  timeout: number
  keep?: boolean
}

interface AgentReady {
  nodeId: string
  peerId: string
  current: string
  /** Base URL of its /healthz and /metrics. */
  metrics: string | null
}

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'run a coordinator and 5 agents (two sites) on loopback, publish a generated image, roll it out in two waves, ' +
        'show the progress, and check every node ended active on identical bytes (exit 0 only then)',
    )
    .option('--size <MiB>', 'size of the generated sample image', parseMiB, 64)
    .option('--timeout <seconds>', 'give up after this long', parsePositive, 180)
    .option('--keep', 'keep the temporary directory (data dirs and logs) for inspection')
    .action(async (opts: DemoOptions) => {
      const started = Date.now()
      const dir = await mkdtemp(join(tmpdir(), 'imgswarm-demo-'))
      await mkdir(join(dir, 'logs'))
      const procs = new LocalProcesses(join(dir, 'logs'))
      const abort = new AbortController()
      const onSignal = (signal: NodeJS.Signals): void => abort.abort(new DemoFailedError(`interrupted by ${signal}`))
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal)
      const timer = setTimeout(() => abort.abort(new DemoFailedError(`not done after ${opts.timeout} s`)), opts.timeout * 1000)
      try {
        await raceAbort(runDemo(dir, procs, opts, started, abort.signal), abort.signal)
      } catch (err) {
        if (!(err instanceof DemoFailedError)) throw err
        say(`\nFAILED: ${err.message}`)
        throw err
      } finally {
        clearTimeout(timer)
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
        say('stopping the coordinator and the agents')
        await procs.stopAll()
        if (opts.keep === true) say(`kept ${dir} (data dirs, logs/)`)
        else await rm(dir, { recursive: true, force: true })
      }
    })
}

async function runDemo(dir: string, procs: LocalProcesses, opts: DemoOptions, started: number, signal: AbortSignal): Promise<void> {
  const adminToken = randomBytes(24).toString('hex')
  const enrolmentToken = randomBytes(24).toString('hex')
  const elapsed = (): string => `[${formatDuration((Date.now() - started) / 1000).padStart(5)}]`
  const step = (text: string): void => say(`${elapsed()} ${text}`)

  step(`working in ${dir}; starting the coordinator`)
  const coordinatorDir = join(dir, 'coordinator')
  const coordinator = procs.spawn(
    'coordinator',
    ['coordinator', '--data-dir', coordinatorDir, '--port', '0', '--heartbeat-interval', '500', '--tick-interval', '500', '--json'],
    { IMGSWARM_ADMIN_TOKEN: adminToken, IMGSWARM_ENROLMENT_TOKEN: enrolmentToken },
  )
  const imagePath = join(dir, 'sample.img')
  const [sourceHash, ready] = await Promise.all([
    writeSampleImage(imagePath, opts.size * MiB),
    failOnExit(coordinator, coordinator.firstJson<{ url: string; peerId: string }>()),
  ])
  step(`coordinator on ${ready.url}, embedded seed ${ready.peerId}`)
  step(`generated ${formatBytes(opts.size * MiB)} sample image, sha256 ${sourceHash.slice(0, 16)}…`)
  const admin = new CoordinatorClient({ url: ready.url, token: adminToken })

  step(`starting ${AGENTS.length} agents (${describeSites()}) and publishing the image`)
  const agents = AGENTS.map((a) => ({
    ...a,
    dataDir: join(dir, a.name),
    proc: procs.spawn(
      a.name,
      ['agent', '--coordinator', ready.url, '--label', `site=${a.site}`, '--name', a.name, '--data-dir', join(dir, a.name), '--metrics-port', '0', '--json'],
      { IMGSWARM_ENROLMENT_TOKEN: enrolmentToken },
    ),
  }))
  say(`  $ imgswarm publish ${imagePath} --name ${IMAGE.name} --version ${IMAGE.version} --data-dir ${coordinatorDir}`)
  const [readyAgents] = await Promise.all([
    Promise.all(agents.map((a) => failOnExit(a.proc, a.proc.firstJson<AgentReady>()))),
    procs.run(
      'publish',
      ['publish', imagePath, '--name', IMAGE.name, '--version', IMAGE.version, '--data-dir', coordinatorDir, '--json'],
      { IMGSWARM_COORDINATOR: ready.url, IMGSWARM_ADMIN_TOKEN: adminToken },
    ),
  ])
  const image = await admin.getImage(IMAGE.name, IMAGE.version)
  step(`published ${image.name}@${image.version} as ${image.manifestCid} (${image.chunkCount} chunks)`)
  step(`all agents enrolled: ${readyAgents.map((a, i) => `${AGENTS[i].name}=${a.nodeId}`).join(' ')}`)

  say(`  $ imgswarm rollout create --image ${IMAGE.name} --version ${IMAGE.version} --selector '*' --waves ${WAVES} --max-failures 0`)
  const created = await admin.createRollout({ image: IMAGE.name, version: IMAGE.version, selector: '*', waves: WAVES, maxFailures: '0' })
  step(`rollout ${created.id}: ${created.total} nodes in ${created.waves.length} waves`)

  const view = await followRollout(admin, created.id, signal, step)
  say('')
  say(renderRollout(view))
  say('')
  await verify(view, agents, readyAgents, sourceHash, step)
  const counters = await Promise.all(readyAgents.map((a) => agentCounters(a)))
  const fromSeed = counters.reduce((sum, c) => sum + c.fromSeeds, 0)
  const fromPeers = counters.reduce((sum, c) => sum + c.fromPeers, 0)
  step(
    `OK: ${view.nodes.length} nodes active on ${IMAGE.name}@${IMAGE.version}, every copy identical to the source; ` +
      `agents received ${formatBytes(fromSeed)} from the seed and ${formatBytes(fromPeers)} from each other (their /metrics)`,
  )
}

/** Polls the rollout until it settles, showing the table (redrawn on a terminal, on change otherwise). */
async function followRollout(admin: CoordinatorClient, id: string, signal: AbortSignal, step: (t: string) => void): Promise<RolloutView> {
  const tty = process.stdout.isTTY === true
  let last = ''
  for (;;) {
    signal.throwIfAborted()
    const view = await admin.getRollout(id)
    if (isSettled(view)) return view
    if (tty) {
      process.stdout.write(`\x1b[H\x1b[2J${renderRollout(view, { events: 3 })}\n`)
    } else {
      const summary = view.waves.map((w) => `wave ${w.index + 1} ${w.status}: ${formatCounts(w.counts)}`).join(' | ')
      if (summary !== last) step(summary)
      last = summary
    }
    await sleep(tty ? 500 : 250, signal)
  }
}

/** Every node active, waves in order, and every agent's active image byte-identical to the source. */
async function verify(
  view: RolloutView,
  agents: ReadonlyArray<{ name: string; dataDir: string }>,
  ready: readonly AgentReady[],
  sourceHash: string,
  step: (t: string) => void,
): Promise<void> {
  if (view.status !== 'completed') {
    throw new DemoFailedError(`rollout ${view.id} ended ${view.status}${view.haltReason === undefined ? '' : `: ${view.haltReason}`}`)
  }
  const notActive = view.nodes.filter((n) => n.state !== 'active')
  if (notActive.length > 0) throw new DemoFailedError(`not active: ${notActive.map((n) => `${n.nodeId} (${n.state})`).join(', ')}`)
  const [first, second] = view.waves
  if (first?.settledAt === undefined || second?.startedAt === undefined || second.startedAt < first.settledAt) {
    throw new DemoFailedError('the second wave did not wait for the first to settle')
  }
  for (const [i, agent] of agents.entries()) {
    const hash = await sha256File(ready[i].current).catch((err: Error) => `unreadable (${err.message})`)
    if (hash !== sourceHash) throw new DemoFailedError(`${agent.name}: ${ready[i].current} has sha256 ${hash}, the source ${sourceHash}`)
  }
  step(`verified: sha256 of each agent's active image (<data dir>/current) equals the source's`)
}

/** Bytes an agent received from seeds and from peers, from its /metrics. */
async function agentCounters(agent: AgentReady): Promise<{ fromSeeds: number; fromPeers: number }> {
  if (agent.metrics === null) throw new DemoFailedError(`agent ${agent.nodeId} serves no /metrics`)
  const text = await (await fetch(`${agent.metrics}/metrics`)).text()
  return {
    fromSeeds: metricValue(text, 'imgswarm_agent_bytes_from_seeds_total') ?? 0,
    fromPeers: metricValue(text, 'imgswarm_agent_bytes_from_peers_total') ?? 0,
  }
}

async function writeSampleImage(path: string, size: number): Promise<string> {
  const hash = createHash('sha256')
  const file = await open(path, 'w')
  try {
    for (let done = 0; done < size; ) {
      const piece = randomBytes(Math.min(MiB, size - done))
      hash.update(piece)
      await file.write(piece)
      done += piece.length
    }
  } finally {
    await file.close()
  }
  return hash.digest('hex')
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** `promise`, or a clear failure (with the log) if the process exits first. */
async function failOnExit<T>(proc: LocalProcess, promise: Promise<T>): Promise<T> {
  try {
    return await promise
  } catch (err) {
    throw new DemoFailedError(`${proc.name} did not start: ${(err as Error).message}`)
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason as Error)
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true })
    }),
  ])
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

function describeSites(): string {
  const counts = new Map<string, number>()
  for (const a of AGENTS) counts.set(a.site, (counts.get(a.site) ?? 0) + 1)
  return [...counts].map(([site, n]) => `${n} in site=${site}`).join(', ')
}

function say(text: string): void {
  process.stdout.write(`${text}\n`)
}

function parseMiB(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 4096) throw new InvalidArgumentError(`expected a whole number of MiB from 1 to 4096, got "${value}"`)
  return n
}

function parsePositive(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number of seconds, got "${value}"`)
  return n
}
