import { tmpdir } from 'node:os'
import { InvalidInputError } from '@imgswarm/core'
import {
  DEFAULT_AGENT_DOWN_BPS,
  DEFAULT_AGENT_UP_BPS,
  DEFAULT_AGENTS,
  DEFAULT_NAME_PREFIX,
  DEFAULT_SEED_UP_BPS,
  DEFAULT_SIZE_BYTES,
  DEFAULT_SUBNET,
  DEFAULT_SYSTEMS,
  DEFAULT_TIMEOUT_BASE_S,
  MAX_AGENTS,
} from './constants.js'
import { SYSTEM_NAMES, type SystemName } from './system-runner.js'

/** One benchmark run, fully resolved. */
export interface BenchConfig {
  agents: number
  sizeBytes: number
  agentUpBitsPerS: number
  agentDownBitsPerS: number
  seedUpBitsPerS: number
  /** Systems in the order they run. */
  systems: SystemName[]
  /** Per-system limit from the agents' start to the last completion. */
  timeoutS: number
  /** Prefix of every namespace and of the work directory. */
  namePrefix: string
  /** First two octets of the private /16 used inside the namespaces. */
  subnet: string
  /** Where the work directory (image, outputs, logs) is created. */
  workRoot: string
  /** Keep the work directory (logs) even when every system succeeded. */
  keepWorkDir: boolean
}

export type BenchInit = Partial<BenchConfig>

/** Applies the defaults (the default configuration) and checks the result. */
export function resolveConfig(init: BenchInit = {}): BenchConfig {
  const config: BenchConfig = {
    agents: init.agents ?? DEFAULT_AGENTS,
    sizeBytes: init.sizeBytes ?? DEFAULT_SIZE_BYTES,
    agentUpBitsPerS: init.agentUpBitsPerS ?? DEFAULT_AGENT_UP_BPS,
    agentDownBitsPerS: init.agentDownBitsPerS ?? DEFAULT_AGENT_DOWN_BPS,
    seedUpBitsPerS: init.seedUpBitsPerS ?? DEFAULT_SEED_UP_BPS,
    systems: init.systems ?? [...DEFAULT_SYSTEMS],
    timeoutS: 0,
    namePrefix: init.namePrefix ?? DEFAULT_NAME_PREFIX,
    subnet: init.subnet ?? DEFAULT_SUBNET,
    workRoot: init.workRoot ?? tmpdir(),
    keepWorkDir: init.keepWorkDir ?? false,
  }
  // long enough for the central server (N·F/U_seed) three times over
  config.timeoutS = init.timeoutS ?? DEFAULT_TIMEOUT_BASE_S + (3 * config.agents * config.sizeBytes * 8) / config.seedUpBitsPerS
  if (!Number.isInteger(config.agents) || config.agents < 1 || config.agents > MAX_AGENTS) {
    throw new InvalidInputError(`agents must be a whole number from 1 to ${MAX_AGENTS}, got ${config.agents}`)
  }
  if (config.systems.length === 0) throw new InvalidInputError('name at least one system to run')
  for (const s of config.systems) {
    if (!SYSTEM_NAMES.includes(s)) throw new InvalidInputError(`unknown system "${s}"; known: ${SYSTEM_NAMES.join(', ')}`)
  }
  if (new Set(config.systems).size !== config.systems.length) throw new InvalidInputError('a system is named twice')
  if (!(config.timeoutS > 0)) throw new InvalidInputError(`timeout must be positive, got ${config.timeoutS}`)
  return config
}

/** Parses `imgswarm,bittorrent,http` (spaces allowed) into system names. */
export function parseSystems(text: string): SystemName[] {
  const names = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)
  for (const n of names) {
    if (!SYSTEM_NAMES.includes(n as SystemName)) {
      throw new InvalidInputError(`unknown system "${n}" in "${text}"; known: ${SYSTEM_NAMES.join(', ')}`)
    }
  }
  if (names.length === 0) throw new InvalidInputError('name at least one system, e.g. bittorrent,http')
  return names as SystemName[]
}
