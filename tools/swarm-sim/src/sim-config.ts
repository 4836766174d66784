import { InvalidInputError } from '@imgswarm/core'
import {
  DEFAULT_AGENT_COUNTS,
  DEFAULT_AGENT_DOWN_BPS,
  DEFAULT_AGENT_UP_BPS,
  DEFAULT_CHUNK_BYTES,
  DEFAULT_DEGREE,
  DEFAULT_LATENCY_MS,
  DEFAULT_RANDOM_SEED,
  DEFAULT_SEED_DEGREE,
  DEFAULT_SEED_UP_BPS,
  DEFAULT_SIZE_BYTES,
  FULL_MESH_MAX_AGENTS,
  MAX_AGENTS,
} from './constants.js'

/** One simulator invocation, fully resolved: every swarm size runs with the same links. */
export interface SimConfig {
  /** Swarm sizes, each simulated on its own, in this order. */
  agentCounts: number[]
  sizeBytes: number
  chunkBytes: number
  agentUpBitsPerS: number
  agentDownBitsPerS: number
  seedUpBitsPerS: number
  /** Sessions per agent; undefined: everyone with everyone up to `FULL_MESH_MAX_AGENTS`, `DEFAULT_DEGREE` beyond. */
  degree: number | undefined
  /** Agents the seed has a session with; undefined: all in a full mesh, `DEFAULT_SEED_DEGREE` otherwise. */
  seedDegree: number | undefined
  latencyMs: number
  randomSeed: number
}

export type SimInit = Partial<SimConfig>

/** The sessions one swarm size runs with: undefined degree means everyone with everyone. */
export interface Topology {
  degree: number | undefined
  seedDegree: number
}

/** Applies the defaults and checks the result; bad values get an `InvalidInputError` naming the option. */
export function resolveConfig(init: SimInit = {}): SimConfig {
  const config: SimConfig = {
    agentCounts: init.agentCounts ?? [...DEFAULT_AGENT_COUNTS],
    sizeBytes: init.sizeBytes ?? DEFAULT_SIZE_BYTES,
    chunkBytes: init.chunkBytes ?? DEFAULT_CHUNK_BYTES,
    agentUpBitsPerS: init.agentUpBitsPerS ?? DEFAULT_AGENT_UP_BPS,
    agentDownBitsPerS: init.agentDownBitsPerS ?? DEFAULT_AGENT_DOWN_BPS,
    seedUpBitsPerS: init.seedUpBitsPerS ?? DEFAULT_SEED_UP_BPS,
    degree: init.degree,
    seedDegree: init.seedDegree,
    latencyMs: init.latencyMs ?? DEFAULT_LATENCY_MS,
    randomSeed: init.randomSeed ?? DEFAULT_RANDOM_SEED,
  }
  if (config.agentCounts.length === 0) throw new InvalidInputError('--agents needs at least one swarm size')
  for (const n of config.agentCounts) checkWhole(n, '--agents', 1, MAX_AGENTS)
  checkWhole(config.sizeBytes, '--size', 1, Number.MAX_SAFE_INTEGER)
  checkWhole(config.chunkBytes, '--chunk', 1, config.sizeBytes)
  for (const [key, flag] of [['agentUpBitsPerS', '--up'], ['agentDownBitsPerS', '--down'], ['seedUpBitsPerS', '--seed-up']] as const) {
    if (!(config[key] > 0) || !Number.isFinite(config[key])) throw new InvalidInputError(`${flag} must be a positive rate, got ${config[key]}`)
  }
  if (config.degree !== undefined) checkWhole(config.degree, '--degree', 1, MAX_AGENTS)
  if (config.seedDegree !== undefined) checkWhole(config.seedDegree, '--seed-degree', 1, MAX_AGENTS)
  if (!(config.latencyMs >= 0) || !Number.isFinite(config.latencyMs)) {
    throw new InvalidInputError(`--latency-ms must be a number of milliseconds >= 0, got ${config.latencyMs}`)
  }
  checkWhole(config.randomSeed, '--random-seed', 0, 2 ** 32 - 1)
  return config
}

/** The sessions of a swarm of `agents`: a full mesh when small (or when the degree covers everyone), bounded otherwise. */
export function topologyFor(config: SimConfig, agents: number): Topology {
  const degree = config.degree ?? (agents <= FULL_MESH_MAX_AGENTS ? undefined : DEFAULT_DEGREE)
  const full = degree === undefined || degree >= agents - 1
  const seedDegree = Math.min(agents, config.seedDegree ?? (full ? agents : DEFAULT_SEED_DEGREE))
  return { degree: full ? undefined : degree, seedDegree }
}

/** Parses `16,32,100,1000,10000` (also `10k`, `1_000`) into swarm sizes. */
export function parseAgentCounts(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean)
  if (parts.length === 0) throw new InvalidInputError(`--agents "${text}" names no swarm size; give e.g. 16,100,1000`)
  return parts.map((part) => {
    const m = /^(\d[\d_]*)(k?)$/i.exec(part)
    const n = m === null ? NaN : Number(m[1].replaceAll('_', '')) * (m[2] === '' ? 1 : 1000)
    if (!Number.isSafeInteger(n) || n < 1 || n > MAX_AGENTS) {
      throw new InvalidInputError(`--agents: "${part}" is not a swarm size from 1 to ${MAX_AGENTS} (e.g. 16,100,1000 or 10k)`)
    }
    return n
  })
}

function checkWhole(value: number, flag: string, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidInputError(`${flag} must be a whole number from ${min} to ${max}, got ${value}`)
  }
}
