import type { ChunkIndex } from '@imgswarm/core'
import type { PeerKey } from './network.js'

/** One admitted request waiting for an upload slot. */
export interface ServeCandidate {
  peer: PeerKey
  index: ChunkIndex
}

/**
 * Requests waiting to be served: a FIFO per peer, and a round-robin order over the peers that
 * have any, so no peer waits behind another's long queue. Per-peer queues are short (bounded by
 * the uploader), so removals by index are cheap.
 */
export class ServeQueue {
  private readonly queues = new Map<PeerKey, ChunkIndex[]>()
  /** Peers with a non-empty queue, in round-robin order. */
  private readonly ring: PeerKey[] = []
  private cursor = 0
  private count = 0

  get size(): number {
    return this.count
  }

  sizeOf(peer: PeerKey): number {
    return this.queues.get(peer)?.length ?? 0
  }

  has(peer: PeerKey, index: ChunkIndex): boolean {
    return this.queues.get(peer)?.includes(index) ?? false
  }

  push(peer: PeerKey, index: ChunkIndex): void {
    let q = this.queues.get(peer)
    if (q === undefined) {
      q = []
      this.queues.set(peer, q)
    }
    if (q.length === 0) this.ring.push(peer)
    q.push(index)
    this.count++
  }

  /** Removes one queued request; false if it was not queued. */
  remove(peer: PeerKey, index: ChunkIndex): boolean {
    const q = this.queues.get(peer)
    if (q === undefined) return false
    const k = q.indexOf(index)
    if (k < 0) return false
    q.splice(k, 1)
    this.count--
    if (q.length === 0) this.leaveRing(peer)
    return true
  }

  /** Removes every request of `peer`; returns them. */
  dropPeer(peer: PeerKey): ChunkIndex[] {
    const q = this.queues.get(peer)
    this.queues.delete(peer)
    if (q === undefined || q.length === 0) return []
    this.count -= q.length
    this.leaveRing(peer)
    return q
  }

  /** Peers with requests waiting, in turn order (from the peer whose turn it is). */
  peers(): PeerKey[] {
    const n = this.ring.length
    const out = new Array<PeerKey>(n)
    for (let k = 0; k < n; k++) out[k] = this.ring[(this.cursor + k) % n]
    return out
  }

  /** The oldest waiting request of `peer`. */
  headOf(peer: PeerKey): ChunkIndex | undefined {
    return this.queues.get(peer)?.[0]
  }

  /** Removes and returns the newest request of `peer`. */
  popNewest(peer: PeerKey): ChunkIndex | undefined {
    const q = this.queues.get(peer)
    if (q === undefined || q.length === 0) return undefined
    const index = q.pop() as ChunkIndex
    this.count--
    if (q.length === 0) this.leaveRing(peer)
    return index
  }

  /** Peers with at least one request waiting. */
  get peerCount(): number {
    return this.ring.length
  }

  /** The oldest request of the peer whose turn it is (plain round-robin). */
  roundRobinHead(): ServeCandidate | undefined {
    if (this.ring.length === 0) return undefined
    const peer = this.ring[this.cursor % this.ring.length]
    return { peer, index: (this.queues.get(peer) as ChunkIndex[])[0] }
  }

  /** Every queued request, peers in round-robin order from the one whose turn it is, each FIFO. */
  *entries(): IterableIterator<ServeCandidate> {
    const n = this.ring.length
    for (let k = 0; k < n; k++) {
      const peer = this.ring[(this.cursor + k) % n]
      for (const index of this.queues.get(peer) as ChunkIndex[]) yield { peer, index }
    }
  }

  /** Takes a request out to serve it and passes the turn to the next peer. */
  take(c: ServeCandidate): void {
    const at = this.ring.indexOf(c.peer)
    if (!this.remove(c.peer, c.index)) return
    if (at < 0) return
    // If the peer left the ring, the element at `at` is already the next peer.
    this.cursor = this.ring[at] === c.peer ? at + 1 : at
    if (this.ring.length > 0) this.cursor %= this.ring.length
    else this.cursor = 0
  }

  private leaveRing(peer: PeerKey): void {
    const at = this.ring.indexOf(peer)
    if (at < 0) return
    this.ring.splice(at, 1)
    if (at < this.cursor) this.cursor--
    if (this.ring.length === 0) this.cursor = 0
    else this.cursor %= this.ring.length
  }
}
