/** Port the coordinator listens on when none is given. */
export const DEFAULT_PORT = 7700

/** Host the coordinator binds when none is given: loopback only, until an operator opens it up. */
export const DEFAULT_HOST = '127.0.0.1'

/** How often agents are asked to send a heartbeat. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000

/** A node with no heartbeat for this long is marked stale (its last report stands; it is not failed). */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000

/** How often rollouts are reconciled and stale nodes marked, besides on every heartbeat. */
export const DEFAULT_TICK_INTERVAL_MS = 5_000

/** Peers returned in one hints answer (seeds come on top), and the most a caller may ask for. */
export const DEFAULT_MAX_HINTS = 20
export const MAX_HINTS_LIMIT = 200

/** Shortest admin or enrolment token accepted. */
export const MIN_TOKEN_LENGTH = 16

/** Largest JSON body on image registration (a signed manifest, base64) and on every other route. */
export const DEFAULT_MAX_MANIFEST_BODY = '96mb'
export const DEFAULT_MAX_BODY = '256kb'

/** Name of the level store directory inside the data directory. */
export const DB_DIR_NAME = 'coordinator-db'

/** Environment variables the CLI may read the tokens from. */
export const ADMIN_TOKEN_ENV = 'IMGSWARM_ADMIN_TOKEN'
export const ENROLMENT_TOKEN_ENV = 'IMGSWARM_ENROLMENT_TOKEN'
