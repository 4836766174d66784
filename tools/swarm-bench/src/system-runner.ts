import type { BenchNode } from './network-plan.js'
import type { ProcessGroup } from './processes.js'
import type { TestImage } from './test-image.js'

/** The distribution systems the benchmark compares. */
export type SystemName = 'imgswarm' | 'bittorrent' | 'http'

export const SYSTEM_NAMES: readonly SystemName[] = ['imgswarm', 'bittorrent', 'http']

/** What a runner gets for one run of its system. */
export interface SystemContext {
  image: TestImage
  seed: BenchNode
  agents: readonly BenchNode[]
  /** An empty directory of this system's own (logs, outputs, data dirs). */
  workDir: string
  /** Start every process through this, so the benchmark can stop them all. */
  processes: ProcessGroup
  /** Aborted when the run is interrupted or times out. */
  signal: AbortSignal
  log(message: string): void
}

/** One agent's download, started. */
export interface AgentRun {
  agent: BenchNode
  /** Where the agent writes the image. */
  outPath: string
  /** Epoch ms at which the agent had the whole image; rejects if the agent failed first. */
  completed: Promise<number>
  /**
   * For agents that start slowly (a Node CLI loading its modules): resolves once the agent is up
   * and waiting. The benchmark waits for every agent's `ready`, then calls every `go` at once and
   * measures from there. Agents without these start fetching when spawned.
   */
  ready?: Promise<void>
  go?: () => void
}

/** Counters a system reports about itself (imgswarm's JSON), keyed by agent name. */
export type AppCounters = Record<string, Record<string, number>>

/**
 * One system under test. The benchmark calls `prepare` (seed serving), then `startAgent` for every
 * agent at the same moment (or, with a start barrier, `go` on every agent at the same moment), waits for all `completed`, then `stop` (which must leave every output
 * file complete on disk). Byte counts come from the network, so runners need not report them.
 */
export interface SystemRunner {
  readonly name: SystemName
  prepare(): Promise<void>
  startAgent(agent: BenchNode): AgentRun
  stop(): Promise<AppCounters | undefined>
}

export type SystemRunnerFactory = (context: SystemContext) => SystemRunner
