/**
 * @packageDocumentation
 * The imgswarm edge agent: joins a coordinator by itself (enrols once, keeps its credential in
 * the data dir), heartbeats its progress, fetches the image version the coordinator wants from
 * the swarm (verified chunk by chunk, then as a whole), activates it atomically by switching a
 * `current` symlink, keeps the version before as `previous` for a rollback that fetches nothing,
 * and serves what it has to peers all the while. `/healthz` and `/metrics` come from a small
 * HTTP server. `imgswarm agent` is this library behind command-line flags.
 *
 * @example
 * ```ts
 * const agent = await EdgeAgent.start({ coordinatorUrl, enrolmentToken, dataDir, labels: { site: 'plant-3' } })
 * const server = await startMetricsServer({ port: 9464, metrics: () => agent.metrics.text(),
 *   contentType: agent.metrics.contentType, health: () => ({ ok: true, ...agent.status() }) })
 * // … on SIGTERM:
 * await server.close()
 * await agent.stop()
 * ```
 */
export * from './constants.js'
export * from './errors.js'
export { EdgeAgent, orderHints, type EdgeAgentInit } from './agent.js'
export type { AgentStatus, AgentTotals, FetchProgress } from './agent-status.js'
export { AgentMetrics, type AgentMetricsInit } from './agent-metrics.js'
export { startMetricsServer, type MetricsServer, type MetricsServerInit } from './metrics-server.js'
export { EnrolmentFile, ensureEnrolled, type EnsureEnrolledInit, type NodeIdentity, type StoredEnrolment } from './enrolment.js'
export { HeartbeatLoop, type HeartbeatLoopInit, type HeartbeatStats } from './heartbeat-loop.js'
export {
  ImageActivator,
  type ActivationEvent,
  type ActivationPointers,
  type ActivationStep,
  type ImageActivatorInit,
  type KeptImage,
} from './image-activator.js'
export { reuseLocalChunks, type ReuseResult, type ReuseSource } from './local-chunk-reuse.js'
export { systemClock, type AgentClock, type TimerHandle } from './clock.js'
