/**
 * @packageDocumentation
 * The swarm benchmark: imgswarm, BitTorrent (aria2c + opentracker) and a central HTTP server
 * distribute the same random image from one seed to N agents, each node in a network namespace of
 * its own with tc-capped uplink and downlink, and each system's completion times are compared with
 * the lower bound T* = max(F/U_seed, F/min D_i, N·F/(U_seed + Σ U_i)). Run it with
 * `npm run bench:swarm -- --help` (needs root).
 */
export { runBenchmark, workDirFor, type BenchHooks } from './benchmark.js'
export { resolveConfig, parseSystems, type BenchConfig, type BenchInit } from './bench-config.js'
export { buildReport, formatTable, type BenchReport, type SystemResult } from './bench-report.js'
export { renderCdfSvg } from './cdf-plot.js'
export { completionCdf, median, summarizeCompletions, type CdfPoint } from './completion-stats.js'
export { planNetwork, type BenchNode, type NetworkSpec } from './network-plan.js'
export { TestNetwork, removeNamespaces } from './test-network.js'
export type { AgentRun, AppCounters, SystemContext, SystemName, SystemRunner, SystemRunnerFactory } from './system-runner.js'
export { BenchAbortedError, BenchSetupError, SystemRunError } from './errors.js'
