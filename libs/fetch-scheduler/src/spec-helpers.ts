// Test-only helpers: build small swarms of real Downloaders/Uploaders on the simulated network.
import { Bitfield, chunkArray } from '@imgswarm/core'
import { Downloader, type DownloaderInit } from './downloader.js'
import { MemoryChunkStore } from './memory-chunk-store.js'
import { SimulatedSwarm, type SimNode } from './memory-network.js'
import type { PeerHello, PeerKey, SwarmNetwork } from './network.js'
import { createRandom, type RandomSource } from './random.js'
import { SeedServePolicy } from './seed-serve-policy.js'
import type { ChunkSink, ChunkSource, ChunkVerifier } from './storage.js'
import { Uploader, type UploaderInit } from './uploader.js'

export const KiB = 1024
export const MiB = 1024 * 1024

/** A random image cut into chunks of random lengths between min and max. */
export function makeImage(random: RandomSource, chunkCount: number, min = 16 * KiB, max = 48 * KiB): { image: Uint8Array; chunkLengths: number[] } {
  const chunkLengths = Array.from({ length: chunkCount }, () => min + Math.floor(random() * (max - min + 1)))
  const image = new Uint8Array(chunkLengths.reduce((a, b) => a + b, 0))
  for (let i = 0; i < image.length; i += 4) {
    const v = Math.floor(random() * 4294967296)
    image[i] = v & 0xff
    image[i + 1] = (v >>> 8) & 0xff
    image[i + 2] = (v >>> 16) & 0xff
    image[i + 3] = (v >>> 24) & 0xff
  }
  return { image, chunkLengths }
}

/** A verifier that compares with the original image (the real one hashes against the manifest). */
export function imageVerifier(image: Uint8Array, chunkLengths: readonly number[]): ChunkVerifier {
  const offsets: number[] = []
  let o = 0
  for (const len of chunkLengths) {
    offsets.push(o)
    o += len
  }
  return (index, bytes) => {
    const expected = image.subarray(offsets[index], offsets[index] + chunkLengths[index])
    const got = chunkArray(bytes)
    return Buffer.compare(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength), Buffer.from(got.buffer, got.byteOffset, got.byteLength)) === 0
  }
}

export interface TestNodeSpec {
  id: string
  up: number
  down: number
  latencyMs?: number
  site?: string
  seed?: boolean
  /** Chunks this node starts with (a seed starts with all). */
  haves?: Iterable<number>
  /** Run no Downloader (a complete peer or a seed). */
  serveOnly?: boolean
  downloader?: Partial<DownloaderInit>
  uploader?: Partial<UploaderInit>
  /** Wraps the network the node's downloader drives (spies). */
  wrapNetwork?: (network: SwarmNetwork) => SwarmNetwork
  /** Replaces what the uploader reads from (a lying peer). */
  source?: (store: MemoryChunkStore) => ChunkSource
  /** Replaces what the downloader writes to (a full disk). */
  sink?: (store: MemoryChunkStore) => ChunkSink
  /** 'none': the node receives requests and never answers (no uploader). */
  serve?: 'none'
}

export interface TestNode {
  spec: TestNodeSpec
  sim: SimNode
  store: MemoryChunkStore
  downloader?: Downloader
  uploader: Uploader
}

export interface TestSwarm {
  swarm: SimulatedSwarm
  nodes: Map<string, TestNode>
  image: Uint8Array
  chunkLengths: number[]
  verify: ChunkVerifier
  random: RandomSource
}

export function buildSwarm(opts: {
  specs: TestNodeSpec[]
  chunkCount?: number
  image?: { image: Uint8Array; chunkLengths: number[] }
  seed?: number
  latencyMs?: number
  connect?: 'all' | 'none'
}): TestSwarm {
  const random = createRandom(opts.seed ?? 1)
  const { image, chunkLengths } = opts.image ?? makeImage(random, opts.chunkCount ?? 64)
  const verify = imageVerifier(image, chunkLengths)
  const swarm = new SimulatedSwarm({ latencyMs: opts.latencyMs ?? 2 })
  const nodes = new Map<string, TestNode>()
  for (const spec of opts.specs) {
    const store = spec.seed === true ? MemoryChunkStore.full(image, chunkLengths) : new MemoryChunkStore({ chunkLengths })
    if (spec.haves !== undefined) {
      const full = MemoryChunkStore.full(image, chunkLengths)
      for (const i of spec.haves) store.write(i, full.read(i))
      store.writes.fill(0)
    }
    const hello = (): PeerHello => ({ haves: new Bitfield(chunkLengths.length, store.verified.toBytes()), site: spec.site, seed: spec.seed })
    const sim = swarm.addNode({ id: spec.id, upBps: spec.up, downBps: spec.down, latencyMs: spec.latencyMs, hello })
    const uploader = new Uploader({
      source: spec.source?.(store) ?? store,
      network: sim,
      clock: swarm.clock,
      policy: spec.seed === true ? new SeedServePolicy({ chunkCount: chunkLengths.length }) : undefined,
      ...spec.uploader,
    })
    let downloader: Downloader | undefined
    if (spec.seed !== true && spec.serveOnly !== true) {
      downloader = new Downloader({
        chunkLengths,
        sink: spec.sink?.(store) ?? store,
        verify,
        network: spec.wrapNetwork?.(sim) ?? sim,
        clock: swarm.clock,
        random: createRandom(Math.floor(random() * 2 ** 31)),
        site: spec.site,
        ...spec.downloader,
      })
      sim.attach(downloader)
    }
    if (spec.serve !== 'none') sim.attach(uploader)
    nodes.set(spec.id, { spec, sim, store, downloader, uploader })
  }
  if ((opts.connect ?? 'all') === 'all') {
    const ids = opts.specs.map((s) => s.id)
    for (let a = 0; a < ids.length; a++) for (let b = a + 1; b < ids.length; b++) swarm.connect(ids[a], ids[b])
  }
  return { swarm, nodes, image, chunkLengths, verify, random }
}

/** Starts every downloader and runs the swarm until all are done (or the guard trips). */
export async function runToCompletion(t: TestSwarm, maxTimeMs = 3_600_000): Promise<{ time: number; failures: unknown[] }> {
  const downloaders = [...t.nodes.values()].flatMap((n) => (n.downloader === undefined ? [] : [n.downloader]))
  const failures: unknown[] = []
  for (const d of downloaders) d.start().catch((err: unknown) => failures.push(err))
  const r = await t.swarm.run({ until: maxTimeMs, stopWhen: () => downloaders.every((d) => d.complete) || failures.length > 0 })
  return { time: r.time, failures }
}

/** Calls a downloader made on a network, recorded in order. */
export interface NetworkCall {
  op: 'request' | 'cancel' | 'announce' | 'ban' | 'reject' | 'sendChunk'
  peer?: PeerKey
  indices: number[]
  time: number
}

/** Wraps a network so that every call is recorded, then passed on. */
export function spyNetwork(inner: SwarmNetwork, now: () => number, calls: NetworkCall[]): SwarmNetwork {
  return {
    request(peer, indices) {
      calls.push({ op: 'request', peer, indices: [...indices], time: now() })
      inner.request(peer, indices)
    },
    cancel(peer, indices) {
      calls.push({ op: 'cancel', peer, indices: [...indices], time: now() })
      inner.cancel(peer, indices)
    },
    announce(indices) {
      calls.push({ op: 'announce', indices: [...indices], time: now() })
      inner.announce(indices)
    },
    ban(peer, reason) {
      calls.push({ op: 'ban', peer, indices: [], time: now() })
      inner.ban(peer, reason)
    },
    reject(peer, index, reason) {
      calls.push({ op: 'reject', peer, indices: [index], time: now() })
      inner.reject(peer, index, reason)
    },
    sendChunk(peer, index, bytes) {
      calls.push({ op: 'sendChunk', peer, indices: [index], time: now() })
      return inner.sendChunk(peer, index, bytes)
    },
  }
}

/** A source that serves flipped bytes for the given chunks. */
export function lyingSource(store: MemoryChunkStore, lies: ReadonlySet<number>): ChunkSource {
  return {
    verified: store.verified,
    has: (i) => store.has(i),
    read: (i) => {
      const bytes = store.read(i)
      if (!lies.has(i)) return bytes
      const bad = Uint8Array.from(bytes)
      bad[0] ^= 0xff
      return bad
    },
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0
}
