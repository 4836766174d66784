import type { AgentState } from '@imgswarm/coordinator-client'
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { AgentStatus } from './agent-status.js'

const STATES: readonly AgentState[] = ['idle', 'downloading', 'verifying', 'active', 'failed']

export interface AgentMetricsInit {
  /** Also export the process metrics (CPU, memory, event loop) under `imgswarm_agent_process_…`. */
  processMetrics?: boolean
}

/**
 * Prometheus metrics of one agent in its own registry (several agents may share a process in
 * tests). Every value is read from the agent's status when scraped; nothing is counted twice.
 */
export class AgentMetrics {
  readonly registry = new Registry()

  constructor(status: () => AgentStatus, init: AgentMetricsInit = {}) {
    if (init.processMetrics === true) collectDefaultMetrics({ register: this.registry, prefix: 'imgswarm_agent_' })
    const registers = [this.registry]
    const total = (name: string, help: string, read: (s: AgentStatus) => number): void => {
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset()
          this.inc(read(status()))
        },
      })
    }
    total('imgswarm_agent_bytes_downloaded_total', 'Image bytes received from peers and seeds', (s) => s.totals.bytesDownloaded)
    total('imgswarm_agent_bytes_from_seeds_total', 'Image bytes received from seeds', (s) => s.totals.bytesFromSeeds)
    total('imgswarm_agent_bytes_from_peers_total', 'Image bytes received from other agents', (s) => s.totals.bytesFromPeers)
    total('imgswarm_agent_bytes_reused_total', 'Image bytes copied from versions already on this node', (s) => s.totals.bytesReused)
    total('imgswarm_agent_bytes_uploaded_total', 'Image bytes served to peers', (s) => s.totals.bytesUploaded)
    total('imgswarm_agent_chunks_verified_total', 'Chunks received and verified against their CID', (s) => s.totals.chunksVerified)
    total('imgswarm_agent_chunks_rejected_total', 'Chunks refused because their bytes did not match', (s) => s.totals.chunksRejected)
    total('imgswarm_agent_activations_total', 'Image versions activated (rollbacks included)', (s) => s.totals.activations)
    total('imgswarm_agent_rollbacks_total', 'Rollbacks to the kept previous version', (s) => s.totals.rollbacks)
    total('imgswarm_agent_failures_total', 'Fetches or activations that failed', (s) => s.totals.failures)
    total('imgswarm_agent_heartbeats_total', 'Heartbeats the coordinator answered', (s) => s.coordinator.sent)
    total('imgswarm_agent_heartbeat_failures_total', 'Heartbeats that failed', (s) => s.coordinator.failed)
    new Gauge({
      name: 'imgswarm_agent_state',
      help: 'What the agent is doing (1 for the current state)',
      labelNames: ['state'],
      registers,
      collect() {
        const now = status().state
        for (const state of STATES) this.set({ state }, state === now ? 1 : 0)
      },
    })
    const gauge = (name: string, help: string, read: (s: AgentStatus) => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read(status()))
        },
      })
    }
    gauge('imgswarm_agent_peers', 'Peers with an open session', (s) => s.progress.peers)
    gauge('imgswarm_agent_download_rate_bytes', 'Download rate of the fetch under way, bytes per second', (s) => s.progress.rate)
    gauge('imgswarm_agent_fetch_bytes_done', 'Verified bytes of the image being fetched', (s) => s.progress.bytesDone)
    gauge('imgswarm_agent_fetch_bytes_total', 'Size of the image being fetched', (s) => s.progress.bytesTotal)
    gauge('imgswarm_agent_coordinator_reachable', '1 while the coordinator answers heartbeats', (s) =>
      s.coordinator.reachable === true ? 1 : 0,
    )
  }

  text(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}
