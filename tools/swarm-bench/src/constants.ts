/** Agents in the default configuration. */
export const DEFAULT_AGENTS = 16
/** Image size in the default configuration (bytes). */
export const DEFAULT_SIZE_BYTES = 256 * 2 ** 20
/** Each agent's uplink cap (bits per second). Smaller than the downlink, as on most edge links. */
export const DEFAULT_AGENT_UP_BPS = 50e6
/** Each agent's downlink cap (bits per second). */
export const DEFAULT_AGENT_DOWN_BPS = 200e6
/** The seed's uplink cap (bits per second). Its downlink gets the agents' downlink cap. */
export const DEFAULT_SEED_UP_BPS = 100e6
/** Systems run, in this order, when none are named. */
export const DEFAULT_SYSTEMS = ['imgswarm', 'bittorrent', 'http'] as const

/**
 * Fixed prefix of every namespace the benchmark creates (and of its work directory). A run first
 * removes whatever a crashed run left under this prefix, so two concurrent runs need two prefixes.
 */
export const DEFAULT_NAME_PREFIX = 'isbench-'
/** First two octets of the private /16 that exists only inside the benchmark's namespaces. */
export const DEFAULT_SUBNET = '10.77'
/** Most agents one run accepts (addresses are 10.77.1.1 … 10.77.4.250). */
export const MAX_AGENTS = 1000

/** How long a seed may take to start serving (imgswarm chunks and signs the image first). */
export const DEFAULT_PREPARE_TIMEOUT_MS = 300_000
/** Per-system time limit, unless given: this plus three times the central server's time N·F/U_seed. */
export const DEFAULT_TIMEOUT_BASE_S = 60
/** How long stopped processes get to flush and exit before SIGKILL. */
export const DEFAULT_STOP_GRACE_MS = 15_000
/** How often completion markers (files, JSON lines) are polled. */
export const COMPLETION_POLL_MS = 50
/** How often the host CPU load is sampled during a transfer. */
export const CPU_SAMPLE_MS = 500

/** TCP port every system's seed listens on inside the seed's namespace. */
export const SEED_PORT = 4001
/** opentracker's port (HTTP and UDP) in the seed's namespace. */
export const TRACKER_PORT = 6969
/** The BitTorrent peer port of every aria2c (each lives in its own namespace). */
export const BITTORRENT_PORT = 6881
/** The static HTTP server's port in the seed's namespace. */
export const HTTP_PORT = 8080
/** Name of the generated image inside every system's directories. */
export const IMAGE_FILE_NAME = 'image.img'
/** Depth of every capped link's drop-tail queue, in milliseconds of traffic at its rate. */
export const DEFAULT_QUEUE_MS = 50
