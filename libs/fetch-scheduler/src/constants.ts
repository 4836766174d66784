/**
 * Every tunable of the fetch scheduler. Each is the default of a field of the component's `*Init`
 * object (`DownloaderInit`, `UploaderInit`, `SeedServePolicyInit`, `InflightControllerInit`),
 * so a deployment or the simulator overrides them in one place.
 */

// ---- requests in flight per peer (InflightController) -----------------------------------------

/**
 * Fewest requests kept outstanding at a peer that has chunks we want: one being sent, one queued
 * behind it, so the peer's uplink never idles for a round trip between two of our chunks.
 */
export const DEFAULT_MIN_INFLIGHT = 2

/**
 * Most requests outstanding at one peer: about a 1 Gbit/s × 100 ms path of 256 KiB chunks. Keep it
 * at or below the serving side's `DEFAULT_MAX_QUEUED_PER_PEER` + `DEFAULT_UPLOAD_SLOTS`, or a fast
 * peer answers the excess with 'busy'.
 */
export const DEFAULT_MAX_INFLIGHT = 48

/** Requests a new peer starts with, before its rate and latency are known. */
export const DEFAULT_INITIAL_INFLIGHT = 4

/**
 * Delay-based sizing (TCP Vegas applied to chunk requests): the controller estimates how many of
 * our requests wait in the peer's queue beyond what fills the path; fewer than ALPHA means the
 * pipe is not full (grow), more than BETA means we only add queueing delay (shrink).
 */
export const DEFAULT_INFLIGHT_ALPHA = 1
export const DEFAULT_INFLIGHT_BETA = 3

/** Time constant of the exponentially decayed delivered-rate window, per peer. */
export const DEFAULT_RATE_WINDOW_MS = 4_000

// ---- request timeouts and retries (Downloader) ------------------------------------------------

/** A request's timeout is this factor times the time the peer's observed rate says it needs. */
export const DEFAULT_REQUEST_TIMEOUT_FACTOR = 3
/** Floor of a request's timeout (small chunks on fast links still get a fair chance). */
export const DEFAULT_MIN_REQUEST_TIMEOUT_MS = 5_000
/** Timeout of requests to a peer whose rate is not known yet. */
export const DEFAULT_INITIAL_REQUEST_TIMEOUT_MS = 20_000
/** Ceiling of a request's timeout. */
export const DEFAULT_MAX_REQUEST_TIMEOUT_MS = 120_000
/** After a timeout or 'not-have', that chunk is not asked of that peer again for this long. */
export const DEFAULT_RETRY_SAME_PEER_MS = 10_000
/**
 * After a seed answers 'elsewhere', that chunk is not asked of that seed again for this long (then
 * the seed serves it): the seed's second-ask service is for chunks no peer delivers, and on real
 * links a busy peer's queue alone can hold a chunk back for a second or two.
 */
export const DEFAULT_ELSEWHERE_RETRY_MS = 10_000
/** A peer that answered 'busy' (its queue is full) gets no new request for this long. */
export const DEFAULT_BUSY_BACKOFF_MS = 200
/** Consecutive timeouts (no chunk delivered in between) after which a peer is snubbed. */
export const DEFAULT_MAX_TIMEOUT_STRIKES = 3
/** A snubbed peer gets no request for this long, then one probe. */
export const DEFAULT_SNUB_MS = 30_000

// ---- choosing chunks and peers (Downloader, RarestFirstPicker) --------------------------------

/**
 * Chunks picked at random (not rarest-first) while we hold fewer than this many: the rarest
 * chunks are, by definition, held by few peers and slow to get, while any complete chunk at
 * all lets us start trading (BitTorrent's "random first piece").
 */
export const DEFAULT_RANDOM_FIRST_CHUNKS = 4

/**
 * A better class of peer (same site over other sites, any peer over a seed) keeps its chunks to
 * itself unless everything that class delivers to us is this many times slower than the worse
 * peer asking for the chunk.
 */
export const DEFAULT_SLOWER_PEER_FACTOR = 4

/** In endgame, a chunk is requested from at most this many peers at once. */
export const DEFAULT_ENDGAME_MAX_COPIES = 2

/** Cap on requests outstanding across all peers (memory and fairness bound). */
export const DEFAULT_MAX_TOTAL_INFLIGHT = 512

/**
 * Chunks verified within this many ms are announced in one batch (0: announce each at once).
 * Every Have is an encrypted frame and a syscall at both ends of every session: on a fast link
 * one per chunk costs more CPU than the chunk's hash. 10 ms is a fraction of a chunk's time on
 * the links where peers trade (256 KiB takes 42 ms at 50 Mbit/s).
 */
export const DEFAULT_ANNOUNCE_DELAY_MS = 10

/**
 * Once requests are outstanding at a peer, top up only when this fraction of its in-flight limit
 * (at least one request) is free: one Request message per few chunks instead of one per chunk,
 * while the pipeline stays at least (1 - fraction) full.
 */
export const DEFAULT_REFILL_FRACTION = 0.25

/** Period of the housekeeping tick: timeouts, back-off expiry, progress events. */
export const DEFAULT_TICK_MS = 250

/** Progress callbacks are rate-limited to one per this many ms (plus one at completion). */
export const DEFAULT_PROGRESS_INTERVAL_MS = 500

/** Window of the node-level "current rate" figure. */
export const DEFAULT_CURRENT_RATE_WINDOW_MS = 5_000

// ---- serving (Uploader, serve policies) -------------------------------------------------------

/**
 * Chunks sent at once, to different peers (the rest wait in the queue). Few: a chunk sent alone
 * leaves sooner and can be passed on sooner, which is what fills a young swarm (in simulation
 * 2 slots beat 4 at every size, 16 to 1,000 agents); more than one, so that a receiver with a
 * slow downlink does not hold the whole uplink.
 */
export const DEFAULT_UPLOAD_SLOTS = 2

/** Requests a peer may have waiting with us; more are answered 'busy'. */
export const DEFAULT_MAX_QUEUED_PER_PEER = 64

/**
 * Requests waiting with us, all peers together, are bounded to what our uplink sends in this
 * long (at its measured rate); more are answered 'busy'. Without the bound a popular peer
 * collects seconds of queue while others idle: chunks requested from it are stuck there, and
 * requesters cannot take them elsewhere. With it, 'busy' spreads demand over all holders (the
 * role choking plays in BitTorrent). It must exceed a round trip for far, fast requesters.
 */
export const DEFAULT_MAX_QUEUE_DELAY_MS = 500

/** Bound on the waiting requests before our upload rate is measured. */
export const DEFAULT_INITIAL_QUEUE_LIMIT = 16

/**
 * A seed remembers that it told a peer to fetch a chunk 'elsewhere' for this long; if the peer
 * asks for that chunk again within it, the seed serves it (the peer found no one else, or the
 * other holder was too slow): the swarm never starves on a chunk only the seed can deliver.
 */
export const DEFAULT_ELSEWHERE_MEMORY_MS = 60_000

// ---- rate caps (TokenBucket) ------------------------------------------------------------------

/** A capped rate may burst this many ms worth of bytes after idling (plus the chunk that overdraws it). */
export const DEFAULT_RATE_LIMIT_BURST_MS = 250
