import { execFileSync } from 'node:child_process'
import { BenchSetupError } from './errors.js'
import { planNetwork, type BenchNode, type NetworkPlan, type NetworkSpec } from './network-plan.js'

/** Runs one command (argv) to completion and returns its stdout; throws on a non-zero exit. */
export type CommandRunner = (argv: readonly string[]) => string

/** Runs a command synchronously, so that teardown also works from signal and exit handlers. */
export const runCommandSync: CommandRunner = (argv) => {
  try {
    return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim()
    throw new BenchSetupError(`\`${argv.join(' ')}\` failed${stderr ? `: ${stderr}` : ''}`, { cause: err })
  }
}

/** Bytes a node sent (its uplink) and received (its downlink), counted on the wire (L2 frames). */
export interface NodeCounters {
  txBytes: number
  rxBytes: number
}

/** The namespaces named `<prefix>…`, e.g. those a crashed run left behind. */
export function listNamespaces(prefix: string, run: CommandRunner = runCommandSync): string[] {
  return run(['ip', 'netns', 'list'])
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0])
    .filter((name) => name !== undefined && name.startsWith(prefix))
}

/**
 * Removes every namespace named `<prefix>…` after killing the processes inside it. Everything the
 * benchmark creates lives in such namespaces (the veths and the bridge go with them), so this is
 * the whole teardown: after a normal run, on a signal, and at start for a crashed run's leftovers.
 */
export function removeNamespaces(prefix: string, run: CommandRunner = runCommandSync): string[] {
  const names = listNamespaces(prefix, run)
  for (const ns of names) {
    for (const pid of run(['ip', 'netns', 'pids', ns]).split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
  for (const ns of names) {
    try {
      run(['ip', 'netns', 'del', ns])
    } catch {
      // deleted concurrently; nothing left to do
    }
  }
  return names
}

/** The emulated network: a switch namespace with a bridge, and one namespace per node. */
export class TestNetwork {
  readonly seed: BenchNode
  readonly agents: readonly BenchNode[]
  readonly #plan: NetworkPlan
  readonly #prefix: string
  readonly #run: CommandRunner

  private constructor(plan: NetworkPlan, prefix: string, run: CommandRunner) {
    this.#plan = plan
    this.#prefix = prefix
    this.#run = run
    this.seed = plan.seed
    this.agents = plan.agents
  }

  /** Removes a previous run's leftovers under the same prefix, then builds the network. */
  static create(spec: NetworkSpec, run: CommandRunner = runCommandSync): TestNetwork {
    const plan = planNetwork(spec)
    removeNamespaces(spec.prefix, run)
    const network = new TestNetwork(plan, spec.prefix, run)
    try {
      for (const argv of plan.commands) run(argv)
    } catch (err) {
      network.destroy()
      throw err
    }
    return network
  }

  /**
   * Every node's byte counters, read in one snapshot from the bridge ports: what a port receives is
   * exactly what its node's `eth0` sent (after the node's uplink shaper), and what it transmits is
   * what the node received. Frames include Ethernet, IP and TCP headers.
   */
  counters(): Map<string, NodeCounters> {
    const links = JSON.parse(this.#run(['ip', '-j', '-s', '-n', this.#plan.switchNs, 'link', 'show'])) as IpLink[]
    const byPort = new Map(links.map((l) => [l.ifname, l]))
    const result = new Map<string, NodeCounters>()
    for (const node of [this.seed, ...this.agents]) {
      const stats = byPort.get(node.switchPort)?.stats64
      if (stats === undefined) throw new BenchSetupError(`no counters for bridge port ${node.switchPort} in ${this.#plan.switchNs}`)
      result.set(node.name, { txBytes: stats.rx.bytes, rxBytes: stats.tx.bytes })
    }
    return result
  }

  /** Kills what still runs inside the namespaces and deletes them. Idempotent. */
  destroy(): void {
    removeNamespaces(this.#prefix, this.#run)
  }
}

interface IpLink {
  ifname: string
  stats64?: { rx: { bytes: number }; tx: { bytes: number } }
}
