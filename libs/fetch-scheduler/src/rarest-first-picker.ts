import type { ChunkIndex } from '@imgswarm/core'
import { randomInt, type RandomSource } from './random.js'

/** Options of one `RarestFirstPicker.pick` call. */
export interface PickOptions {
  /** Consider only chunks at least this rare… (availability >= minAvailability; default 0). */
  minAvailability?: number
  /** …and at most this (default: any). */
  maxAvailability?: number
  /** Ignore rarity and pick uniformly from the whole range (the "random first piece" phase). */
  random?: boolean
}

/**
 * The set of chunks we may request ("pickable": missing and not requested from anyone),
 * ordered by availability (how many peers hold each), for rarest-first selection.
 *
 * Layout (after libtorrent's piece picker): one array of chunk indices sorted by availability,
 * split into buckets by boundary positions. Raising or lowering a chunk's availability swaps
 * it with its bucket's edge and moves one boundary: O(1) per Have, which is what a node sees
 * most. Adding or removing a pickable chunk shifts one element per higher bucket: O(distinct
 * availabilities), bounded by the number of peers. Picking scans from the rarest bucket and
 * stops when it has enough, starting each bucket at a random offset: peers with the same view
 * of the swarm still pick different chunks among equally rare ones.
 *
 * Availability is tracked for every chunk (pickable or not) so that a chunk returning to the
 * set (a failed request) lands in the right bucket.
 */
export class RarestFirstPicker {
  readonly chunkCount: number
  private readonly random: RandomSource
  /** order[p] = chunk at position p; positions [0, size) hold the pickable chunks. */
  private readonly order: Int32Array
  /** pos[i] = position of chunk i in `order`, or -1 when not pickable. */
  private readonly pos: Int32Array
  private readonly avail: Int32Array
  /** Bucket a holds positions [bounds[a], bounds[a + 1]); bounds[last] = size. */
  private readonly bounds: number[] = [0, 0]

  constructor(chunkCount: number, random: RandomSource) {
    this.chunkCount = chunkCount
    this.random = random
    this.order = new Int32Array(chunkCount)
    this.pos = new Int32Array(chunkCount).fill(-1)
    this.avail = new Int32Array(chunkCount)
  }

  /** Number of pickable chunks. */
  get size(): number {
    return this.bounds[this.bounds.length - 1]
  }

  /** Pickable chunks with availability below `a` (bucket boundaries make this O(1)). */
  countBelow(a: number): number {
    if (a <= 0) return 0
    return this.bounds[Math.min(a, this.bounds.length - 1)]
  }

  availability(index: ChunkIndex): number {
    return this.avail[index]
  }

  has(index: ChunkIndex): boolean {
    return this.pos[index] >= 0
  }

  /** Makes a chunk pickable (no-op if it already is). */
  add(index: ChunkIndex): void {
    if (this.pos[index] >= 0) return
    const a = this.avail[index]
    this.ensureBuckets(a)
    const top = this.bounds.length - 1
    let hole = this.bounds[top]
    // Open a slot at the end of bucket a: each higher bucket hands its first element to the
    // slot just past its end, moving the gap down one bucket at a time.
    for (let b = top - 1; b > a; b--) {
      const first = this.bounds[b]
      if (first === this.bounds[b + 1]) continue
      this.place(this.order[first], hole)
      hole = first
    }
    for (let b = a + 1; b <= top; b++) this.bounds[b]++
    this.place(index, hole)
  }

  /** Removes a chunk from the pickable set (no-op if it is not in it). */
  remove(index: ChunkIndex): void {
    const p = this.pos[index]
    if (p < 0) return
    const a = this.avail[index]
    const top = this.bounds.length - 1
    let hole = this.bounds[a + 1] - 1
    this.swap(p, hole)
    // Close the gap: each higher bucket moves its last element into the gap before its start.
    for (let b = a + 1; b < top; b++) {
      if (this.bounds[b] === this.bounds[b + 1]) continue
      const last = this.bounds[b + 1] - 1
      this.place(this.order[last], hole)
      hole = last
    }
    for (let b = a + 1; b <= top; b++) this.bounds[b]--
    this.pos[index] = -1
  }

  /** One more peer holds `index`. */
  increment(index: ChunkIndex): void {
    const a = this.avail[index]
    this.avail[index] = a + 1
    if (this.pos[index] < 0) return
    this.ensureBuckets(a + 1)
    const last = this.bounds[a + 1] - 1
    this.swap(this.pos[index], last)
    this.bounds[a + 1]--
  }

  /** One fewer peer holds `index`. */
  decrement(index: ChunkIndex): void {
    const a = this.avail[index]
    if (a === 0) return
    this.avail[index] = a - 1
    if (this.pos[index] < 0) return
    const first = this.bounds[a]
    this.swap(this.pos[index], first)
    this.bounds[a]++
  }

  /**
   * Up to `max` pickable chunks that `accept` takes, rarest first (random among equals), or
   * uniformly at random with `options.random`. Does not remove them: the caller does, once it
   * has actually requested them.
   */
  pick(max: number, accept: (index: ChunkIndex) => boolean, options: PickOptions = {}): ChunkIndex[] {
    const out: ChunkIndex[] = []
    if (max <= 0) return out
    const top = this.bounds.length - 1
    const lo = Math.max(0, options.minAvailability ?? 0)
    const hi = Math.min(top - 1, options.maxAvailability ?? top - 1)
    if (lo > hi) return out
    if (options.random === true) {
      this.scan(this.bounds[lo], this.bounds[hi + 1], max, accept, out)
      return out
    }
    for (let b = lo; b <= hi && out.length < max; b++) this.scan(this.bounds[b], this.bounds[b + 1], max, accept, out)
    return out
  }

  /** Every pickable chunk, rarest first (for tests and diagnostics). */
  *pickable(): IterableIterator<ChunkIndex> {
    for (let p = 0; p < this.size; p++) yield this.order[p]
  }

  /** Scans positions [from, to) starting at a random offset, wrapping around. */
  private scan(from: number, to: number, max: number, accept: (index: ChunkIndex) => boolean, out: ChunkIndex[]): void {
    const n = to - from
    if (n <= 0) return
    const offset = randomInt(this.random, n)
    for (let k = 0; k < n && out.length < max; k++) {
      const p = from + ((offset + k) % n)
      const index = this.order[p]
      if (accept(index)) out.push(index)
    }
  }

  private ensureBuckets(a: number): void {
    while (this.bounds.length - 1 <= a) this.bounds.push(this.bounds[this.bounds.length - 1])
  }

  private place(index: ChunkIndex, p: number): void {
    this.order[p] = index
    this.pos[index] = p
  }

  private swap(p: number, q: number): void {
    if (p === q) return
    const a = this.order[p]
    const b = this.order[q]
    this.place(b, p)
    this.place(a, q)
  }
}
