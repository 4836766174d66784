/** How often to heartbeat until the coordinator says otherwise (its answer carries the interval). */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000

/** First retry delay after a failed heartbeat or enrolment; doubles per failure up to the maximum. */
export const DEFAULT_RETRY_MIN_MS = 1_000

/** Longest wait between two attempts to reach an unreachable coordinator. */
export const DEFAULT_RETRY_MAX_MS = 30_000

/** Share of a retry delay drawn at random, so a fleet that lost its coordinator does not return in step. */
export const DEFAULT_RETRY_JITTER = 0.2

/** After a failed fetch or activation, wait this long before trying the same image again. */
export const DEFAULT_FAILURE_RETRY_MS = 60_000

/** While fetching, how often to check the peer count and ask the coordinator for more peers. */
export const DEFAULT_HINTS_INTERVAL_MS = 10_000

/** Ask for more peers while fetching with fewer sessions than this. */
export const DEFAULT_MIN_PEERS = 4

/** Most peer hints asked for at once. */
export const DEFAULT_HINTS_LIMIT = 32

/** How long one coordinator request may take. */
export const DEFAULT_COORDINATOR_TIMEOUT_MS = 10_000

/** Re-read the whole image and check every chunk before activating it. */
export const DEFAULT_VERIFY_BEFORE_ACTIVATE = true

/** File in the data dir holding the node id and credential (mode 0600). */
export const ENROLMENT_FILE = 'agent-enrolment.json'

/** Directory in the data dir holding image versions: `images/<name>/<version>-<cid8>.img`. */
export const IMAGES_DIR = 'images'

/** Symlink in the data dir to the active image file: what consumers open. */
export const CURRENT_LINK = 'current'

/** Symlink in the data dir to the version kept for rollback. */
export const PREVIOUS_LINK = 'previous'

/** Suffix of the symlink made before it is renamed into place. */
export const TMP_LINK_SUFFIX = '.tmp'

/** Chunk-store sublevel with the activation pointers, kept images and activation history. */
export const ACTIVATION_SUBLEVEL = 'activation'

/** Chunk-store sublevel with the agent's own memory (last desired image, last peers). */
export const AGENT_SUBLEVEL = 'agent'

/** Where `/healthz` and `/metrics` listen unless told otherwise: never exposed by default. */
export const DEFAULT_METRICS_HOST = '127.0.0.1'
