/**
 * Defaults of the swarm simulator: the links of the issue-4 benchmark (`bench:swarm`), so that
 * the simulated 16 agents can be compared with the measured ones.
 */

/** Swarm sizes simulated when `--agents` is not given (10,000 is opt-in: it takes minutes). */
export const DEFAULT_AGENT_COUNTS: readonly number[] = [16, 32, 100, 1000]

export const DEFAULT_SIZE_BYTES = 256 * 2 ** 20
/** The chunker's average chunk; the simulator cuts the image into equal chunks of this size. */
export const DEFAULT_CHUNK_BYTES = 256 * 2 ** 10
export const DEFAULT_AGENT_UP_BPS = 50e6
export const DEFAULT_AGENT_DOWN_BPS = 200e6
export const DEFAULT_SEED_UP_BPS = 100e6

/** One-way access latency of every node: a message between two nodes takes twice this. */
export const DEFAULT_LATENCY_MS = 5

/**
 * Up to this many agents, every agent has a session with every other and with the seed (as in
 * `bench:swarm`, where each agent learns every peer). Beyond, sessions are a bounded random graph.
 */
export const FULL_MESH_MAX_AGENTS = 100

/**
 * Sessions per agent in a large swarm: agents open sessions to random others until they hold
 * this many, and an agent that holds this many accepts no more. The libp2p swarm node does the
 * same with its `DEFAULT_MAX_PEERS` (24, libs/swarm-node/src/constants.ts): it dials up to 24 and
 * answers 'too-many-peers' beyond (BitTorrent clients keep 30 to 80).
 */
export const DEFAULT_DEGREE = 24

/** Agents the seed has a session with in a large swarm: the seed node caps its sessions the same way. */
export const DEFAULT_SEED_DEGREE = 24

export const DEFAULT_RANDOM_SEED = 1

/** Most agents one run accepts (memory: about 100 KB per agent at the default degree). */
export const MAX_AGENTS = 50_000
