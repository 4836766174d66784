import { describe, expect, it } from '@jest/globals'
import { Bitfield } from '@imgswarm/core'
import { EventQueue } from './event-queue.js'
import { MemoryChunkStore } from './memory-chunk-store.js'
import type { PeerKey, RejectReason, SwarmNetwork } from './network.js'
import { Uploader, type UploaderInit } from './uploader.js'

/** A network whose sends finish when the test says so. */
class FakeNetwork implements SwarmNetwork {
  readonly sends: { peer: PeerKey; index: number; at: number; finish: () => void }[] = []
  readonly rejects: { peer: PeerKey; index: number; reason: RejectReason }[] = []
  constructor(private readonly clock: EventQueue) {}
  request(): void {}
  cancel(): void {}
  announce(): void {}
  ban(): void {}
  reject(peer: PeerKey, index: number, reason: RejectReason): void {
    this.rejects.push({ peer, index, reason })
  }
  sendChunk(peer: PeerKey, index: number): Promise<void> {
    return new Promise<void>((resolve) => this.sends.push({ peer, index, at: this.clock.now(), finish: resolve }))
  }
  /** Finishes the oldest unfinished send. */
  async finishNext(): Promise<void> {
    const s = this.sends.find((x) => !(x as { done?: boolean }).done) as (typeof this.sends)[number] & { done?: boolean }
    s.done = true
    s.finish()
    await settle()
  }
  get unfinished(): number {
    return this.sends.filter((x) => !(x as { done?: boolean }).done).length
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
const lengths = Array.from({ length: 40 }, () => 1000)

function setup(init: Partial<UploaderInit> = {}, held = 32): { up: Uploader; net: FakeNetwork; clock: EventQueue; store: MemoryChunkStore } {
  const clock = new EventQueue()
  const store = new MemoryChunkStore({ chunkLengths: lengths })
  for (let i = 0; i < held; i++) store.write(i, new Uint8Array(1000))
  const net = new FakeNetwork(clock)
  const up = new Uploader({ source: store, network: net, clock, ...init })
  for (const p of ['a', 'b', 'c']) up.peerJoined(p, { haves: new Bitfield(lengths.length) })
  return { up, net, clock, store }
}

describe('Uploader', () => {
  it('holds at most `uploadSlots` chunks at once, sends one at a time per peer, reads ahead', async () => {
    const { up, net, store } = setup({ uploadSlots: 3 })
    let reads = 0
    const read = store.read.bind(store)
    store.read = (i: number) => {
      reads++
      return read(i)
    }
    up.chunkRequested('a', [0, 1, 2])
    await settle()
    // a0 on the wire, a1 read ahead and waiting for it: two slots in hand, one send
    expect(net.unfinished).toBe(1)
    expect(reads).toBe(2)
    up.chunkRequested('b', [10, 11])
    up.chunkRequested('c', [20])
    await settle()
    expect(net.sends.map((s) => `${s.peer}${s.index}`)).toEqual(['a0', 'b10'])
    await net.finishNext() // a0 out: a1 goes on the wire at once, c20 takes the freed slot
    expect(net.sends.map((s) => `${s.peer}${s.index}`).sort()).toEqual(['a0', 'a1', 'b10', 'c20'])
    while (net.unfinished > 0) await net.finishNext()
    expect(net.sends.map((s) => `${s.peer}${s.index}`).sort()).toEqual(['a0', 'a1', 'a2', 'b10', 'b11', 'c20'])
    expect(up.stats.maxActive).toBe(3)
    expect(up.stats.chunksUploaded).toBe(6)
    expect(up.stats.bytesUploaded).toBe(6000)
    expect(up.stats.perPeer.get('a')).toEqual({ chunks: 3, bytes: 3000 })
  })

  it("answers 'not-have' for chunks it lacks and 'busy' beyond a peer's queue bound", async () => {
    const { up, net } = setup({ uploadSlots: 1, maxQueuedPerPeer: 2 }, 4)
    up.chunkRequested('a', [0, 1, 2, 3, 9])
    await settle()
    // 0 goes out, 1 and 2 wait, 3 is one too many, 9 is not held
    expect(net.rejects).toEqual([
      { peer: 'a', index: 3, reason: 'busy' },
      { peer: 'a', index: 9, reason: 'not-have' },
    ])
    expect(up.stats.maxQueuedPerPeer).toBe(2)
    expect(up.stats.rejects).toMatchObject({ busy: 1, 'not-have': 1 })
  })

  it('withdraws cancelled requests that have not been sent yet', async () => {
    const { up, net } = setup({ uploadSlots: 1 })
    up.chunkRequested('a', [0, 1, 2])
    await settle()
    up.requestCancelled('a', [1, 0]) // 0 is already being sent: too late for it
    await net.finishNext()
    await net.finishNext()
    expect(net.sends.map((s) => s.index)).toEqual([0, 2])
    expect(up.stats.cancelled).toBe(1)
  })

  it('serves peers in turn, whatever order their requests came in', async () => {
    const { up, net } = setup({ uploadSlots: 1 })
    up.chunkRequested('a', [0, 1, 2])
    up.chunkRequested('b', [10, 11, 12])
    up.chunkRequested('c', [20])
    await settle()
    for (let k = 0; k < 6; k++) await net.finishNext()
    expect(net.sends.map((s) => `${s.peer}${s.index}`)).toEqual(['a0', 'b10', 'c20', 'a1', 'b11', 'a2', 'b12'])
  })

  it('keeps its queue bounded and gives a full queue to the peer it served least', async () => {
    const { up, net } = setup({ uploadSlots: 1, initialQueueLimit: 3 })
    up.chunkRequested('a', [0, 1, 2, 3, 4])
    await settle()
    // one being sent, 3 waiting (the limit), one refused
    expect(net.rejects).toEqual([{ peer: 'a', index: 4, reason: 'busy' }])
    await net.finishNext() // 'a' got a chunk; 1 goes out, 2 and 3 wait
    up.chunkRequested('a', [5])
    up.chunkRequested('b', [10])
    await settle()
    // the queue is full (2, 3, 5); 'b' was served nothing, 'a' a chunk: a's newest makes room
    expect(net.rejects.slice(1)).toEqual([{ peer: 'a', index: 5, reason: 'busy' }])
    for (let k = 0; k < 3; k++) await net.finishNext()
    expect(net.sends.map((s) => `${s.peer}${s.index}`)).toEqual(['a0', 'a1', 'b10', 'a2', 'a3'])
  })

  it('holds its upload rate cap', async () => {
    const clock = new EventQueue()
    const MiB = 1024 * 1024
    const big = Array.from({ length: 40 }, () => MiB)
    const store = MemoryChunkStore.fullVirtual(big)
    const sentAt: number[] = []
    const net: SwarmNetwork = {
      request() {},
      cancel() {},
      announce() {},
      ban() {},
      reject() {},
      sendChunk: async () => {
        sentAt.push(clock.now())
      },
    }
    // 4 MiB/s with the default 250 ms burst: 1 MiB, one chunk at once, then one every 250 ms
    const up = new Uploader({ source: store, network: net, clock, maxUploadRate: 4 * MiB, maxQueuedPerPeer: 64, initialQueueLimit: 64 })
    up.chunkRequested('a', Array.from({ length: 40 }, (_, i) => i))
    for (;;) {
      await settle()
      if (clock.runNext() === undefined) break
    }
    await settle()
    expect(sentAt.length).toBe(40)
    expect(sentAt.slice(0, 2)).toEqual([0, 250])
    // never more than rate × time + the burst (the chunk that overdraws the bucket included)
    for (const [k, t] of sentAt.entries()) expect((k + 1) * MiB).toBeLessThanOrEqual(4 * MiB * (t / 1000) + MiB)
    // 39 MiB after the burst at 4 MiB/s: the last chunk leaves after 9.75 s, not much later
    expect(sentAt[39]).toBeGreaterThanOrEqual(9_750)
    expect(sentAt[39]).toBeLessThan(10_250)
  })

  it("declines everything with 'shutting-down' once stopped", async () => {
    const { up, net } = setup({ uploadSlots: 1 })
    up.chunkRequested('a', [0, 1, 2])
    await settle()
    up.stop()
    up.chunkRequested('b', [3])
    expect(net.rejects).toEqual([
      { peer: 'a', index: 1, reason: 'shutting-down' },
      { peer: 'a', index: 2, reason: 'shutting-down' },
      { peer: 'b', index: 3, reason: 'shutting-down' },
    ])
  })

  it("answers 'not-have' when reading a chunk fails, and reports it", async () => {
    const clock = new EventQueue()
    const store = new MemoryChunkStore({ chunkLengths: lengths })
    store.write(0, new Uint8Array(1000))
    const net = new FakeNetwork(clock)
    const errors: unknown[] = []
    const broken = { verified: store.verified, has: (i: number) => store.has(i), read: async (): Promise<Uint8Array> => Promise.reject(new Error('EIO')) }
    const up = new Uploader({ source: broken, network: net, clock, onError: (err) => errors.push(err) })
    up.chunkRequested('a', [0])
    await settle()
    expect(net.rejects).toEqual([{ peer: 'a', index: 0, reason: 'not-have' }])
    expect(errors).toHaveLength(1)
    expect(up.stats.readErrors).toBe(1)
  })
})
