import { Injectable } from '@nestjs/common'
import type { AgentState } from '@imgswarm/coordinator-client'
import type { RolloutStatus } from '@imgswarm/rollout'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { NodesRepository } from '../nodes/nodes.repository.js'
import { RolloutsRepository } from '../rollouts/rollouts.repository.js'

const NODE_STATES: ReadonlyArray<AgentState | 'unknown' | 'stale'> = ['idle', 'downloading', 'verifying', 'active', 'failed', 'unknown', 'stale']
const ROLLOUT_STATUSES: readonly RolloutStatus[] = ['pending', 'running', 'paused', 'halted', 'completed', 'aborted', 'rolled-back']

/**
 * Prometheus metrics of one coordinator, in its own registry (several coordinators may share a
 * process in tests). Gauges are computed from the stores when scraped.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry()
  readonly heartbeats: Counter
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>

  constructor(nodes: NodesRepository, rollouts: RolloutsRepository) {
    collectDefaultMetrics({ register: this.registry, prefix: 'imgswarm_coordinator_' })
    this.heartbeats = new Counter({
      name: 'imgswarm_heartbeats_total',
      help: 'Heartbeats received from nodes',
      registers: [this.registry],
    })
    this.httpDuration = new Histogram({
      name: 'imgswarm_http_request_duration_seconds',
      help: 'HTTP request durations by method, route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [this.registry],
    })
    new Gauge({
      name: 'imgswarm_nodes',
      help: 'Enrolled nodes by reported state (stale ones counted apart)',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const counts = Object.fromEntries(NODE_STATES.map((s) => [s, 0])) as Record<string, number>
        for (const node of await nodes.list()) counts[node.stale ? 'stale' : (node.progress?.state ?? 'unknown')]++
        for (const state of NODE_STATES) this.set({ state }, counts[state])
      },
    })
    new Gauge({
      name: 'imgswarm_rollouts',
      help: 'Rollouts by status',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const counts = Object.fromEntries(ROLLOUT_STATUSES.map((s) => [s, 0])) as Record<string, number>
        for (const r of await rollouts.list()) counts[r.status]++
        for (const status of ROLLOUT_STATUSES) this.set({ status }, counts[status])
      },
    })
  }
}
