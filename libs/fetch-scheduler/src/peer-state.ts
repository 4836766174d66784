import type { Bitfield, ChunkIndex } from '@imgswarm/core'
import { InflightController, type InflightControllerConfig } from './inflight-controller.js'
import type { PeerKey } from './network.js'

/**
 * How much we prefer asking a peer, best first. Same-site peers spare the WAN; any peer spares
 * the seed's uplink, which the whole swarm shares.
 */
export const PeerClass = { SameSite: 0, OtherSite: 1, Seed: 2 } as const
export type PeerClass = (typeof PeerClass)[keyof typeof PeerClass]

export const PEER_CLASSES = [PeerClass.SameSite, PeerClass.OtherSite, PeerClass.Seed] as const

/** One request we have outstanding at a peer. */
export interface OutstandingRequest {
  sentAt: number
  deadline: number
  bytes: number
  /** Sent in endgame as a duplicate of a request outstanding elsewhere. */
  endgame: boolean
}

/** The downloader's view of one peer in the session: what it holds, what we asked, how it performs. */
export class PeerState {
  readonly key: PeerKey
  readonly haves: Bitfield
  readonly seed: boolean
  readonly site: string | undefined
  readonly cls: PeerClass
  readonly ctl: InflightController
  readonly requests = new Map<ChunkIndex, OutstandingRequest>()
  /** Bytes of our outstanding requests here (queued ahead of a new one). */
  aheadBytes = 0
  /** Chunks not to ask this peer again before the given time (after a failure or 'elsewhere'). */
  readonly avoid = new Map<ChunkIndex, number>()
  /** Earliest expiry in `avoid` (Infinity when empty). */
  nextAvoidExpiry = Infinity
  /**
   * Chunks this peer (a seed) told us to fetch 'elsewhere', and when. We ask it for them again
   * only when it has nothing else for us, or when fetching them elsewhere failed.
   */
  readonly elsewhere = new Map<ChunkIndex, number>()
  /** No new request before this time ('busy' back-off, snub). */
  backoffUntil = 0
  /** 'busy' answers in a row (each doubles the back-off), reset when the peer accepts again. */
  busyStreak = 0
  /** Timeouts since the last delivered chunk. */
  strikes = 0
  /**
   * The last fill found nothing more to ask of this peer under `exhaustedMask` (the classes that
   * blocked it then). Cleared by anything that can add a candidate, so most events cost O(1)
   * instead of a scan of the pickable set.
   */
  exhausted = false
  exhaustedMask = 0
  /** The peer said it is shutting down: ask nothing more. */
  leaving = false

  constructor(key: PeerKey, haves: Bitfield, seed: boolean, site: string | undefined, cls: PeerClass, ctl: InflightControllerConfig, now: number) {
    this.key = key
    this.haves = haves
    this.seed = seed
    this.site = site
    this.cls = cls
    this.ctl = new InflightController(ctl, now)
  }

  /** Requests we may still add here under the peer's current limit. */
  get free(): number {
    return this.ctl.limit - this.requests.size
  }

  avoids(index: ChunkIndex, now: number): boolean {
    const until = this.avoid.get(index)
    return until !== undefined && until > now
  }

  avoidFor(index: ChunkIndex, until: number): void {
    this.avoid.set(index, until)
    if (until < this.nextAvoidExpiry) this.nextAvoidExpiry = until
  }

  /** Drops expired avoid entries; returns true if any expired (new candidates may exist). */
  expireAvoids(now: number): boolean {
    if (now < this.nextAvoidExpiry) return false
    let next = Infinity
    for (const [index, until] of this.avoid) {
      if (until <= now) this.avoid.delete(index)
      else if (until < next) next = until
    }
    this.nextAvoidExpiry = next
    return true
  }
}
