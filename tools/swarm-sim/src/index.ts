/**
 * @packageDocumentation
 * The swarm simulator: the real fetch scheduler (`Downloader`, `Uploader`, `SeedServePolicy`
 * from `@imgswarm/fetch-scheduler`) distributing one image from a seed to 16 … 10,000 agents on
 * a modelled network in virtual time (`simulateSwarm`), each swarm size compared with the lower
 * bound T* = max(F/U_seed, F/D, N·F/(U_seed + N·U)). Run it with `npm run bench:sim -- --help`;
 * what the model leaves out is in docs/benchmarks.md ("bench:sim").
 */
export { runSwarmSize, chunkLengthsFor, type RunOptions, type SimRow } from './run-simulation.js'
export { resolveConfig, topologyFor, parseAgentCounts, type SimConfig, type SimInit, type Topology } from './sim-config.js'
export { buildReport, formatRow, formatTable, TABLE_HEADER, type SimReport } from './sim-report.js'
export { SimulationIncompleteError } from './errors.js'
export * from './constants.js'
