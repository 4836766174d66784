import { randomBytes } from 'node:crypto'
import { createServer, type AddressInfo } from 'node:net'
import { CoordinatorClient, type ImageView, type RolloutView } from '@imgswarm/coordinator-client'
import { metricValue } from '../../src/prometheus-text.js'
import { DEFAULT_WAIT_MS, type CliProcess, type CliProcesses } from './cli-process.js'

// A coordinator and agents as real `imgswarm` processes on loopback, for the rollout e2e specs.
// Heartbeats and rollout ticks every 300 ms keep the tests short; every wait polls a condition.

export const ADMIN_TOKEN = `admin-${randomBytes(12).toString('hex')}`
export const ENROLMENT_TOKEN = `enrol-${randomBytes(12).toString('hex')}`

export interface RunningCoordinator {
  proc: CliProcess
  url: string
  port: number
  peerId: string
  dataDir: string
  admin: CoordinatorClient
}

export interface RunningAgent {
  proc: CliProcess
  name: string
  dataDir: string
  nodeId: string
  /** `<data dir>/current`: the active image. */
  current: string
  metricsUrl: string
}

export interface CoordinatorInit {
  /** HTTP port (default 0: any free port). */
  port?: number
  /** The embedded seed's libp2p TCP port (default: any free port). */
  seedPort?: number
}

/** Starts `imgswarm coordinator` and waits for its `--json` line. */
export async function startCoordinator(procs: CliProcesses, dataDir: string, init: CoordinatorInit = {}): Promise<RunningCoordinator> {
  const proc = procs.spawn(
    [
      'coordinator',
      '--data-dir',
      dataDir,
      '--port',
      String(init.port ?? 0),
      ...(init.seedPort === undefined ? [] : ['--listen', `/ip4/127.0.0.1/tcp/${init.seedPort}`]),
      '--heartbeat-interval',
      '300',
      '--tick-interval',
      '300',
      '--heartbeat-timeout',
      '10000',
      '--json',
    ],
    { env: { IMGSWARM_ADMIN_TOKEN: ADMIN_TOKEN, IMGSWARM_ENROLMENT_TOKEN: ENROLMENT_TOKEN } },
  )
  const line = await proc.waitFor('the coordinator JSON line', () => firstJson<{ url: string; peerId: string }>(proc))
  return {
    proc,
    url: line.url,
    port: Number(new URL(line.url).port),
    peerId: line.peerId,
    dataDir,
    admin: new CoordinatorClient({ url: line.url, token: ADMIN_TOKEN }),
  }
}

export interface AgentInit {
  name: string
  site: string
  dataDir: string
  /** Other labels, e.g. a suite label that rollouts of one test select. */
  labels?: Record<string, string>
  /** Download cap, e.g. `4MiB`: slows fetches enough for their phases to show in status. */
  downloadRate?: string
}

/** Starts `imgswarm agent` and waits until it has enrolled (its `--json` line). */
export async function startAgent(procs: CliProcesses, coordinatorUrl: string, init: AgentInit): Promise<RunningAgent> {
  const labels = Object.entries({ site: init.site, ...init.labels }).flatMap(([k, v]) => ['--label', `${k}=${v}`])
  const proc = procs.spawn(
    [
      'agent',
      '--coordinator',
      coordinatorUrl,
      ...labels,
      '--name',
      init.name,
      '--data-dir',
      init.dataDir,
      '--metrics-port',
      '0',
      ...(init.downloadRate === undefined ? [] : ['--download-rate', init.downloadRate]),
      '--json',
    ],
    { env: { IMGSWARM_ENROLMENT_TOKEN: ENROLMENT_TOKEN } },
  )
  const line = await proc.waitFor('the agent JSON line', () => firstJson<{ nodeId: string; current: string; metrics: string }>(proc))
  return { proc, name: init.name, dataDir: init.dataDir, nodeId: line.nodeId, current: line.current, metricsUrl: line.metrics }
}

/** Runs `imgswarm publish` (signing with the coordinator's key) and returns the registered image. */
export async function publish(procs: CliProcesses, coordinator: RunningCoordinator, file: string, version: string, name = 'e2e-image'): Promise<ImageView> {
  const proc = await procs.run(
    ['publish', file, '--name', name, '--version', version, '--data-dir', coordinator.dataDir, '--json'],
    { env: { IMGSWARM_COORDINATOR: coordinator.url, IMGSWARM_ADMIN_TOKEN: ADMIN_TOKEN } },
  )
  if ((await proc.exited).code !== 0) throw new Error(`publish failed\n${proc.describe()}`)
  return proc.lastJson<ImageView>()
}

/** Runs an operator command (`rollout …`, `status …`) against the coordinator to its end. */
export async function operator(procs: CliProcesses, coordinator: RunningCoordinator, args: readonly string[]): Promise<CliProcess> {
  return procs.run(args, { env: { IMGSWARM_COORDINATOR: coordinator.url, IMGSWARM_ADMIN_TOKEN: ADMIN_TOKEN } })
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Polls `probe` until it returns something other than undefined (errors count as "not yet"). */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError === undefined ? '' : ` (last error: ${(lastError as Error).message})`}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 150))
  }
}

/** Polls a rollout until `done(view)`; every view seen goes to `seen` (for assertions on phases). */
export async function followRollout(
  admin: CoordinatorClient,
  id: string,
  done: (view: RolloutView) => boolean,
  seen: RolloutView[] = [],
  timeoutMs = DEFAULT_WAIT_MS,
): Promise<RolloutView> {
  return waitUntil(`rollout ${id} to reach the expected state (last: ${describeLast(seen)})`, async () => {
    const view = await admin.getRollout(id)
    seen.push(view)
    return done(view) ? view : undefined
  }, timeoutMs)
}

function describeLast(seen: readonly RolloutView[]): string {
  const v = seen.at(-1)
  if (v === undefined) return 'none yet'
  return `${v.status}; ${v.nodes.map((n) => `${n.name ?? n.nodeId}=${n.state}${n.reason === undefined ? '' : `(${n.reason})`}`).join(', ')}`
}

/** An agent's counter from its /metrics. */
export async function agentCounter(agent: RunningAgent, name: string): Promise<number> {
  const text = await (await fetch(`${agent.metricsUrl}/metrics`)).text()
  const value = metricValue(text, name)
  if (value === undefined) throw new Error(`${agent.name}: no ${name} in /metrics`)
  return value
}

function firstJson<T>(proc: CliProcess): T | undefined {
  const line = proc.stdoutLines()[0]
  return line === undefined ? undefined : (JSON.parse(line) as T)
}
