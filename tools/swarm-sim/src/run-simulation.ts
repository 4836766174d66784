import { simulateSwarm, type SwarmSample, type SwarmSimulationResult } from '@imgswarm/fetch-scheduler'
import { uniformLowerBound, type LowerBoundTerm } from '@imgswarm/link-units'
import { SimulationIncompleteError } from './errors.js'
import { topologyFor, type SimConfig } from './sim-config.js'

/** One simulated swarm size: completion against T*, what the seed sent, what it cost to simulate. */
export interface SimRow {
  agents: number
  /** Sessions per agent asked for ('all': everyone with everyone). */
  degree: number | 'all'
  seedDegree: number
  /** Agent-to-agent sessions per agent, as built. */
  meanDegree: number
  tStarS: number
  tStarBound: LowerBoundTerm
  lastS: number
  medianS: number
  ratioToTStar: number
  medianToTStar: number
  seedBytes: number
  seedBytesPerF: number
  /** Chunks an agent received twice (endgame duplicates), per agent. */
  duplicateChunksPerAgent: number
  /** Requests sent, and 'busy' answers, per chunk delivered. */
  requestsPerChunk: number
  busyPerChunk: number
  timeouts: number
  /** Simulation cost: CPU seconds of this process (user + system), wall seconds, events run. */
  cpuS: number
  wallS: number
  events: number
}

export interface RunOptions {
  /** Called every `progressEveryS` of virtual time while the swarm runs. */
  onProgress?: (sample: SwarmSample) => void
  progressEveryS?: number
}

/** Equal chunks of `chunkBytes` (the last one shorter): the chunker's average, without its spread. */
export function chunkLengthsFor(sizeBytes: number, chunkBytes: number): number[] {
  const full = Math.floor(sizeBytes / chunkBytes)
  const lengths = new Array<number>(full).fill(chunkBytes)
  if (sizeBytes % chunkBytes !== 0) lengths.push(sizeBytes % chunkBytes)
  return lengths
}

/**
 * Simulates one swarm of `agents` with the real scheduler (`simulateSwarm`): every agent starts
 * at virtual time 0 with nothing, the seed holds the image. Throws `SimulationIncompleteError`
 * if an agent has not finished by 20 × T* of virtual time.
 */
export async function runSwarmSize(config: SimConfig, agents: number, options: RunOptions = {}): Promise<SimRow> {
  const tStar = uniformLowerBound({
    sizeBytes: config.sizeBytes,
    agents,
    seedUpBitsPerS: config.seedUpBitsPerS,
    agentUpBitsPerS: config.agentUpBitsPerS,
    agentDownBitsPerS: config.agentDownBitsPerS,
  })
  const topology = topologyFor(config, agents)
  const maxTimeMs = 20 * tStar.seconds * 1000
  const cpuBefore = process.cpuUsage()
  const r: SwarmSimulationResult = await simulateSwarm({
    chunkLengths: chunkLengthsFor(config.sizeBytes, config.chunkBytes),
    peers: agents,
    seedUpBps: config.seedUpBitsPerS / 8,
    peerUpBps: config.agentUpBitsPerS / 8,
    peerDownBps: config.agentDownBitsPerS / 8,
    latencyMs: config.latencyMs,
    degree: topology.degree,
    seedDegree: topology.seedDegree,
    randomSeed: config.randomSeed,
    maxTimeMs,
    sampleEveryMs: options.onProgress === undefined ? undefined : (options.progressEveryS ?? 5) * 1000,
    onSample: options.onProgress,
  })
  const cpu = process.cpuUsage(cpuBefore)
  const unfinished = r.completionMs.filter((t) => !Number.isFinite(t)).length
  if (unfinished > 0) {
    throw new SimulationIncompleteError(`${unfinished} of ${agents} agents had not finished after ${(maxTimeMs / 1000).toFixed(0)} s of virtual time (20 × T*)`)
  }
  const chunks = Math.ceil(config.sizeBytes / config.chunkBytes) * agents
  return {
    agents,
    degree: topology.degree ?? 'all',
    seedDegree: topology.seedDegree,
    meanDegree: r.meanDegree,
    tStarS: tStar.seconds,
    tStarBound: tStar.bound,
    lastS: r.lastMs / 1000,
    medianS: r.medianMs / 1000,
    ratioToTStar: r.lastMs / 1000 / tStar.seconds,
    medianToTStar: r.medianMs / 1000 / tStar.seconds,
    seedBytes: r.seedBytesUp,
    seedBytesPerF: r.seedBytesUp / r.fileBytes,
    duplicateChunksPerAgent: r.duplicateChunks / agents,
    requestsPerChunk: r.totals.requests / chunks,
    busyPerChunk: r.totals.rejects.busy / chunks,
    timeouts: r.totals.timeouts,
    cpuS: (cpu.user + cpu.system) / 1e6,
    wallS: r.wallMs / 1000,
    events: r.events,
  }
}
