/** Listen address when none is given: loopback, ephemeral port (safe default; agents pass their own). */
export const DEFAULT_LISTEN_ADDRS = ['/ip4/127.0.0.1/tcp/0']

/** How many peers one node keeps sessions with for one image (PEX stops dialling past this). */
export const DEFAULT_MAX_PEERS = 24

/** How often a node tells its session peers about other peers it knows (peer exchange). */
export const DEFAULT_PEX_INTERVAL_MS = 2_000

/** Most peers sent in one peer-exchange message. */
export const DEFAULT_PEX_MAX_PEERS = 32

/** How long to wait for a peer's Hello before giving up on the session. */
export const DEFAULT_HELLO_TIMEOUT_MS = 10_000

/** How long one dial may take. */
export const DEFAULT_DIAL_TIMEOUT_MS = 10_000

/** How long to ask peers for a manifest before failing. */
export const DEFAULT_MANIFEST_TIMEOUT_MS = 30_000

/** File in the data dir that holds the node's libp2p identity (protobuf private key). */
export const PEER_KEY_FILE = 'peer-key.pb'

/**
 * Inbound connections accepted per second from one IP address. libp2p's default (5) turns away a
 * site of agents behind one NAT address, or a demo on one machine, joining a seed together: the
 * refused ones wait out redial back-offs. Flooding stays bounded by the pending limit below and by
 * MAX_CONNECTIONS.
 */
export const DEFAULT_INBOUND_CONNECTIONS_PER_SECOND_PER_HOST = 100

/** Inbound connections in their handshake at once (libp2p's default: 10). */
export const DEFAULT_MAX_PENDING_INBOUND_CONNECTIONS = 64

/** Connections one node keeps open, all peers and images together. */
export const MAX_CONNECTIONS = 512

/** Yamux stream window: large enough for a 256 KiB chunk pipeline over high bandwidth-delay links. */
export const DEFAULT_STREAM_WINDOW_BYTES = 16 * 1024 * 1024

/** Most peers one image swarm remembers the addresses of (for redialling), oldest forgotten first. */
export const DEFAULT_MAX_KNOWN_PEERS = 256

/**
 * A downloading node redials known peers while it has fewer chunk sessions than this (or than
 * the number of peers it knows, if fewer) and chunks are still missing.
 */
export const DEFAULT_MIN_SESSIONS = 4

/** First pause between redial rounds while below the session floor; doubles per round, reset on progress. */
export const DEFAULT_REDIAL_MIN_MS = 2_000

/** Longest pause between redial rounds. */
export const DEFAULT_REDIAL_MAX_MS = 30_000

/**
 * How long a peer that declined our session for being full is left out of redial rounds: a full
 * seed would otherwise be asked again every round (every 2 s while chunks flow from elsewhere),
 * each time a connection, a Hello and a refusal for nothing.
 */
export const DEFAULT_DECLINE_COOL_OFF_MS = 15_000

/**
 * Two peers that learn of each other at once (peer exchange) dial each other at once, and libp2p
 * keeps both connections. Once a second connection to a peer has been open this long, the ones
 * carrying no stream are closed, as long as one stays (if none carries a stream, the one dialled by
 * the smaller peer id: both ends choose the same).
 */
export const DEFAULT_DUPLICATE_CONNECTION_GRACE_MS = 5_000

/** Checks (one grace period apart) for a redundant connection to become idle before it is left alone. */
export const MAX_PRUNE_ATTEMPTS = 12

/** Most dials a node has under way at once (peer exchange and redials); further ones wait in a queue. */
export const DEFAULT_MAX_CONCURRENT_DIALS = 8

/** Most addresses given to `connect` that a node remembers for redialling, oldest forgotten first. */
export const DEFAULT_MAX_BOOTSTRAP_ADDRS = 64
