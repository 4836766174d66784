import { describe, expect, it } from '@jest/globals'
import { Bitfield, StorageError } from '@imgswarm/core'
import { Downloader } from './downloader.js'
import { DownloadStoppedError, SchedulerConfigError } from './errors.js'
import { MemoryChunkStore } from './memory-chunk-store.js'
import type { ChunkSink } from './storage.js'
import { createRandom } from './random.js'
import { buildSwarm, KiB, lyingSource, makeImage, MiB, runToCompletion, sameBytes, spyNetwork, type NetworkCall, type TestSwarm } from './spec-helpers.js'

const seed = (up = 2 * MiB) => ({ id: 'seed', up, down: up, seed: true })
const peers = (n: number, up = 1 * MiB, down = 4 * MiB) => Array.from({ length: n }, (_, k) => ({ id: `p${k}`, up, down }))
const bytesOf = (t: TestSwarm): number => t.chunkLengths.reduce((a, b) => a + b, 0)

/** Every downloading node holds the image, each chunk written exactly once. */
function expectAllIdentical(t: TestSwarm): void {
  for (const n of t.nodes.values()) {
    if (n.downloader === undefined) continue
    expect(n.downloader.complete).toBe(true)
    expect(sameBytes(n.store.assemble(), t.image)).toBe(true)
    expect([...n.store.writes].every((w) => w === 1)).toBe(true)
  }
}

describe('Downloader on a simulated swarm', () => {
  it('1 seed + 6 peers: all complete with identical images, every chunk written once', async () => {
    const t = buildSwarm({ specs: [seed(), ...peers(6)], chunkCount: 64, seed: 11 })
    const r = await runToCompletion(t)
    expect(r.failures).toEqual([])
    expectAllIdentical(t)
    for (const n of t.nodes.values()) {
      if (n.downloader === undefined) continue
      const s = n.downloader.stats
      expect(s.chunksReceived).toBe(64)
      expect(s.bytesReceived).toBe(bytesOf(t))
      expect(s.bytesFromSeeds + s.bytesFromPeers).toBe(bytesOf(t))
      expect(s.failedVerification).toBe(0)
    }
  })

  it('peers trade among themselves: the seed uploads far less than N copies', async () => {
    // uplinks comparable to the seed's: 8 peers at 1 MiB/s, the seed at 1 MiB/s
    const t = buildSwarm({ specs: [seed(1 * MiB), ...peers(8)], chunkCount: 96, seed: 5 })
    const r = await runToCompletion(t)
    expect(r.failures).toEqual([])
    expectAllIdentical(t)
    const F = bytesOf(t)
    const seedUp = t.nodes.get('seed')?.uploader.stats.bytesUploaded ?? Infinity
    expect(seedUp).toBeLessThan(2 * F)
    let fromPeers = 0
    for (const n of t.nodes.values()) {
      if (n.downloader === undefined) continue
      fromPeers += n.downloader.stats.bytesFromPeers
      expect(n.uploader.stats.bytesUploaded).toBeGreaterThan(0) // every peer served others
    }
    expect(fromPeers).toBeGreaterThan(6 * F)
  })

  it('refuses the chunks a lying peer serves, bans it once, and completes from others', async () => {
    const lies = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    const liar = { id: 'liar', up: 4 * MiB, down: 4 * MiB, serveOnly: true, haves: Array.from({ length: 48 }, (_, i) => i), source: (s: MemoryChunkStore) => lyingSource(s, lies) }
    const t = buildSwarm({ specs: [seed(), liar, ...peers(5)], chunkCount: 48, seed: 3 })
    const r = await runToCompletion(t)
    expect(r.failures).toEqual([])
    expectAllIdentical(t)
    let banned = 0
    for (const n of t.nodes.values()) {
      if (n.downloader === undefined) continue
      const bans = n.sim.bans
      expect(bans.length).toBeLessThanOrEqual(1)
      if (bans.length === 1) {
        banned++
        expect(bans[0].peer).toBe('liar')
        expect(n.downloader.stats.failedVerification).toBe(1)
        expect(n.downloader.stats.bannedPeers).toBe(1)
        expect(n.downloader.stats.perPeer.get('liar')?.chunks ?? 0).toBeLessThan(48)
      }
    }
    expect(banned).toBeGreaterThan(0)
  })

  it('ignores whatever a banned peer sends afterwards', async () => {
    const t = buildSwarm({ specs: [seed(), { id: 'x', up: MiB, down: MiB }], chunkCount: 8, seed: 2 })
    const x = t.nodes.get('x')?.downloader as Downloader
    x.start().catch(() => {})
    await t.swarm.run({ until: 1 })
    await t.swarm.run({ until: 10 }) // hellos exchanged
    const bad = new Uint8Array(t.chunkLengths[0])
    x.chunkReceived('seed', 0, bad)
    expect(x.stats.failedVerification).toBe(1)
    const good = t.image.subarray(0, t.chunkLengths[0])
    x.chunkReceived('seed', 0, good)
    x.peerJoined('seed', { haves: Bitfield.full(8), seed: true })
    expect(x.stats.chunksReceived).toBe(0)
    expect(x.stats.peers).toBe(0)
    x.stop()
  })

  it('re-requests elsewhere what a departed peer still owed', async () => {
    const full = Array.from({ length: 64 }, (_, i) => i)
    const t = buildSwarm({
      specs: [seed(256 * KiB), { id: 'fast', up: 8 * MiB, down: 8 * MiB, serveOnly: true, haves: full }, ...peers(3)],
      chunkCount: 64,
      seed: 8,
    })
    const downloaders = ['p0', 'p1', 'p2'].map((id) => t.nodes.get(id)?.downloader as Downloader)
    const failures: unknown[] = []
    for (const d of downloaders) d.start().catch((err: unknown) => failures.push(err))
    await t.swarm.run({ until: 100 })
    const owed = downloaders.reduce((a, d) => a + (d.peerInflight('fast')?.inflight ?? 0), 0)
    expect(owed).toBeGreaterThan(0)
    t.swarm.removeNode('fast')
    await t.swarm.run({ stopWhen: () => downloaders.every((d) => d.complete) })
    expect(failures).toEqual([])
    expectAllIdentical(t)
    expect(downloaders.reduce((a, d) => a + d.stats.reRequests, 0)).toBeGreaterThanOrEqual(owed)
  })

  it('times out requests to a peer that never answers and completes from others', async () => {
    const full = Array.from({ length: 32 }, (_, i) => i)
    const t = buildSwarm({
      specs: [seed(), { id: 'hole', up: 8 * MiB, down: 8 * MiB, serveOnly: true, serve: 'none', haves: full }, { id: 'x', up: MiB, down: 4 * MiB, downloader: { minRequestTimeoutMs: 500, initialRequestTimeoutMs: 1_000 } }],
      chunkCount: 32,
      seed: 4,
    })
    const r = await runToCompletion(t)
    expect(r.failures).toEqual([])
    expectAllIdentical(t)
    const s = t.nodes.get('x')?.downloader?.stats
    expect(s?.timeouts).toBeGreaterThan(0)
    expect(s?.perPeer.get('hole')?.bytes).toBe(0)
    expect(s?.bytesFromSeeds).toBe(bytesOf(t))
  })

  it('keeps more requests in flight at a fast, far peer than at a slow one', async () => {
    const full = Array.from({ length: 400 }, (_, i) => i)
    const t = buildSwarm({
      specs: [
        { id: 'fast', up: 100 * MiB, down: 100 * MiB, latencyMs: 25, serveOnly: true, haves: full },
        { id: 'slow', up: 256 * KiB, down: 100 * MiB, latencyMs: 25, serveOnly: true, haves: full },
        { id: 'x', up: MiB, down: 1024 * MiB, latencyMs: 25 },
      ],
      image: makeImage(createRandom(9), 400, 16 * KiB, 16 * KiB),
      seed: 9,
    })
    const x = t.nodes.get('x')?.downloader as Downloader
    const limits: { fast: number; slow: number; fastInflight: number; slowInflight: number }[] = []
    const sample = (): void => {
      const f = x.peerInflight('fast')
      const s = x.peerInflight('slow')
      if (f !== undefined && s !== undefined) limits.push({ fast: f.limit, slow: s.limit, fastInflight: f.inflight, slowInflight: s.inflight })
      if (!x.complete) t.swarm.clock.schedule(20, sample)
    }
    t.swarm.clock.schedule(20, sample)
    const r = await runToCompletion(t)
    expect(r.failures).toEqual([])
    expectAllIdentical(t)
    // once past slow start (the second half of the run), in steady state
    const steady = limits.slice(Math.floor(limits.length / 2))
    const mean = (k: keyof (typeof limits)[number]): number => steady.reduce((a, l) => a + l[k], 0) / steady.length
    expect(mean('fast')).toBeGreaterThan(3 * mean('slow'))
    expect(mean('fastInflight')).toBeGreaterThan(3 * mean('slowInflight'))
    expect(mean('slow')).toBeLessThanOrEqual(8)
  })

  it('endgame: asks a second peer for the last chunks and cancels the copy it no longer needs', async () => {
    const full = Array.from({ length: 48 }, (_, i) => i)
    const calls: NetworkCall[] = []
    const t = buildSwarm({
      specs: [
        { id: 'a', up: 2 * MiB, down: 2 * MiB, serveOnly: true, haves: full },
        { id: 'b', up: 100 * KiB, down: 2 * MiB, serveOnly: true, haves: full },
        { id: 'x', up: MiB, down: 8 * MiB, wrapNetwork: (n) => spyNetwork(n, () => t.swarm.now, calls) },
      ],
      chunkCount: 48,
      seed: 6,
    })
    const r = await runToCompletion(t)
    expect(r.failures).toEqual([])
    expectAllIdentical(t)
    const askedOf = new Map<number, Set<string>>()
    for (const c of calls) if (c.op === 'request') for (const i of c.indices) (askedOf.get(i) ?? askedOf.set(i, new Set()).get(i))?.add(c.peer as string)
    const twice = [...askedOf].filter(([, who]) => who.size > 1).map(([i]) => i)
    expect(twice.length).toBeGreaterThan(0)
    const cancelled = calls.filter((c) => c.op === 'cancel').flatMap((c) => c.indices)
    expect(cancelled.some((i) => twice.includes(i))).toBe(true)
    const s = t.nodes.get('x')?.downloader?.stats
    expect(s?.endgameRequests).toBeGreaterThan(0)
    expect(s?.cancelledRequests).toBeGreaterThan(0)
  })

  it('takes most bytes from a same-site peer when links are alike', async () => {
    const full = Array.from({ length: 64 }, (_, i) => i)
    const holder = (id: string, site: string) => ({ id, up: MiB, down: MiB, site, serveOnly: true, haves: full })
    const t = buildSwarm({
      specs: [{ ...seed(MiB), site: 'hq' }, holder('local', 'plant-3'), holder('r1', 'plant-9'), holder('r2', 'plant-9'), holder('r3', 'plant-7'), { id: 'x', up: MiB, down: 8 * MiB, site: 'plant-3' }],
      chunkCount: 64,
      seed: 12,
    })
    const r = await runToCompletion(t)
    expect(r.failures).toEqual([])
    expectAllIdentical(t)
    const s = t.nodes.get('x')?.downloader?.stats
    const local = s?.perPeer.get('local')?.bytes ?? 0
    expect(local / bytesOf(t)).toBeGreaterThan(0.5)
    expect(s?.bytesFromSameSite).toBe(local)
  })

  it('resumes: never requests a chunk the sink already holds', async () => {
    const calls: NetworkCall[] = []
    const even = Array.from({ length: 32 }, (_, i) => 2 * i)
    const t = buildSwarm({
      specs: [seed(), { id: 'x', up: MiB, down: 4 * MiB, haves: even, wrapNetwork: (n) => spyNetwork(n, () => t.swarm.now, calls) }],
      chunkCount: 64,
      seed: 13,
    })
    const r = await runToCompletion(t)
    expect(r.failures).toEqual([])
    const x = t.nodes.get('x')
    expect(sameBytes(x?.store.assemble() as Uint8Array, t.image)).toBe(true)
    const requested = calls.filter((c) => c.op === 'request').flatMap((c) => c.indices)
    expect(requested.length).toBeGreaterThan(0)
    expect(requested.filter((i) => i % 2 === 0)).toEqual([])
    expect(x?.downloader?.stats.chunksResumed).toBe(32)
    expect(x?.downloader?.stats.chunksReceived).toBe(32)
    for (const i of even) expect(x?.store.writes[i]).toBe(0)
  })

  it('stops and rejects with the error when the sink cannot write (disk full)', async () => {
    const calls: NetworkCall[] = []
    const full = new StorageError('no space left on device writing chunk')
    let writes = 0
    const failingSink = (store: MemoryChunkStore): ChunkSink => ({
      verified: store.verified,
      has: (i) => store.has(i),
      write: async (i, bytes) => {
        if (++writes > 5) throw full
        store.write(i, bytes)
      },
    })
    const t = buildSwarm({
      specs: [seed(), { id: 'x', up: MiB, down: 4 * MiB, sink: failingSink, wrapNetwork: (n) => spyNetwork(n, () => t.swarm.now, calls) }],
      chunkCount: 64,
      seed: 14,
    })
    const x = t.nodes.get('x')?.downloader as Downloader
    const done = x.start()
    let failed = false
    done.catch(() => (failed = true))
    await t.swarm.run({ stopWhen: () => failed })
    await expect(done).rejects.toBe(full)
    const requestsAtFailure = calls.filter((c) => c.op === 'request').length
    await t.swarm.run({ until: t.swarm.now + 60_000 })
    expect(calls.filter((c) => c.op === 'request').length).toBe(requestsAtFailure)
    expect(x.stats.chunksVerified).toBe(5)
  })

  it('stop() withdraws outstanding requests and rejects with DownloadStoppedError', async () => {
    const calls: NetworkCall[] = []
    const t = buildSwarm({ specs: [seed(), { id: 'x', up: MiB, down: MiB, wrapNetwork: (n) => spyNetwork(n, () => t.swarm.now, calls) }], chunkCount: 64, seed: 15 })
    const x = t.nodes.get('x')?.downloader as Downloader
    const done = x.start()
    await t.swarm.run({ until: 200 })
    x.stop()
    await expect(done).rejects.toBeInstanceOf(DownloadStoppedError)
    expect(calls.at(-1)?.op).toBe('cancel')
    await t.swarm.run()
    expect(x.complete).toBe(false)
  })

  it('holds its download rate cap and reports progress', async () => {
    const progress: { chunks: number; done: boolean }[] = []
    const t = buildSwarm({
      specs: [seed(8 * MiB), { id: 'x', up: MiB, down: 8 * MiB, downloader: { maxDownloadRate: 512 * KiB, onProgress: (p) => progress.push({ chunks: p.chunksVerified, done: p.done }) } }],
      chunkCount: 256,
      seed: 16,
    })
    const r = await runToCompletion(t)
    expect(r.failures).toEqual([])
    const F = bytesOf(t)
    // the token bucket lets 250 ms worth (128 KiB) plus the chunk that overdraws it through at once, then 512 KiB/s
    expect(r.time).toBeGreaterThanOrEqual(((F - 128 * KiB - Math.max(...t.chunkLengths)) / (512 * KiB)) * 1000)
    expect(r.time).toBeLessThan((F / (512 * KiB)) * 1000 * 1.2)
    expect(progress.at(-1)).toEqual({ chunks: 256, done: true })
    for (let k = 1; k < progress.length; k++) expect(progress[k].chunks).toBeGreaterThanOrEqual(progress[k - 1].chunks)
  })

  it('refuses an image or a sink it cannot work with', () => {
    const t = buildSwarm({ specs: [seed()], chunkCount: 4 })
    const sink = new MemoryChunkStore({ chunkLengths: [1, 2, 3] })
    const base = { sink, verify: () => true, network: t.nodes.get('seed')?.sim as never }
    expect(() => new Downloader({ ...base })).toThrow(SchedulerConfigError)
    expect(() => new Downloader({ ...base, chunkLengths: [1, 0, 3] })).toThrow(/chunk 1 has length 0/)
    expect(() => new Downloader({ ...base, chunkLengths: [1, 2, 3, 4] })).toThrow(/sink holds a bitfield of 3 chunks, the image has 4/)
  })
})
