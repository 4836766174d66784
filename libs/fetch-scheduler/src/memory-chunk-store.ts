import { Bitfield, chunkArray, type ChunkBytes, type ChunkIndex } from '@imgswarm/core'
import { SchedulerConfigError } from './errors.js'
import type { ChunkSink, ChunkSource } from './storage.js'

export interface MemoryChunkStoreInit {
  chunkLengths: readonly number[]
  /**
   * Keep the bytes (default true). Without, the store only keeps the bitfield and reads return
   * zeros of the right length: enough for simulating thousands of nodes whose verifier checks
   * lengths only.
   */
  retainBytes?: boolean
}

/** A chunk store in memory: the sink and source of simulated nodes and of tests. */
export class MemoryChunkStore implements ChunkSink, ChunkSource {
  readonly verified: Bitfield
  /** Times each chunk was written (tests assert "exactly once"). */
  readonly writes: Uint16Array
  private readonly lengths: readonly number[]
  private readonly chunks: (Uint8Array | undefined)[]
  private readonly retain: boolean
  private static zeros = new Uint8Array(0)

  constructor(init: MemoryChunkStoreInit) {
    this.lengths = init.chunkLengths
    this.verified = new Bitfield(init.chunkLengths.length)
    this.writes = new Uint16Array(init.chunkLengths.length)
    this.retain = init.retainBytes ?? true
    this.chunks = this.retain ? new Array<Uint8Array | undefined>(init.chunkLengths.length) : []
  }

  /** A store that already holds every chunk of `image`, cut at `chunkLengths` (a seed's). */
  static full(image: Uint8Array, chunkLengths: readonly number[]): MemoryChunkStore {
    const store = new MemoryChunkStore({ chunkLengths })
    let offset = 0
    chunkLengths.forEach((len, i) => {
      store.chunks[i] = image.subarray(offset, offset + len)
      store.verified.set(i)
      offset += len
    })
    if (offset !== image.byteLength) throw new SchedulerConfigError(`chunk lengths add up to ${offset}, the image has ${image.byteLength} bytes`)
    return store
  }

  /** A store that claims every chunk without bytes (a simulated seed with `retainBytes: false`). */
  static fullVirtual(chunkLengths: readonly number[]): MemoryChunkStore {
    const store = new MemoryChunkStore({ chunkLengths, retainBytes: false })
    for (let i = 0; i < chunkLengths.length; i++) store.verified.set(i)
    return store
  }

  has(index: ChunkIndex): boolean {
    return this.verified.has(index)
  }

  write(index: ChunkIndex, bytes: ChunkBytes): void {
    if (bytes.byteLength !== this.lengths[index]) {
      throw new SchedulerConfigError(`chunk ${index} is ${this.lengths[index]} bytes, got ${bytes.byteLength}`)
    }
    if (this.retain) this.chunks[index] = chunkArray(bytes)
    this.writes[index]++
    this.verified.set(index)
  }

  read(index: ChunkIndex): Uint8Array {
    if (!this.verified.has(index)) throw new SchedulerConfigError(`chunk ${index} is not in the store`)
    if (this.retain) return this.chunks[index] as Uint8Array
    const len = this.lengths[index]
    if (MemoryChunkStore.zeros.byteLength < len) MemoryChunkStore.zeros = new Uint8Array(len)
    return MemoryChunkStore.zeros.subarray(0, len)
  }

  /** The image assembled from the stored chunks (all must be present and retained). */
  assemble(): Uint8Array {
    const total = this.lengths.reduce((a, b) => a + b, 0)
    const out = new Uint8Array(total)
    let offset = 0
    for (let i = 0; i < this.lengths.length; i++) {
      out.set(this.read(i), offset)
      offset += this.lengths[i]
    }
    return out
  }
}
