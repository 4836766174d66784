import { Bitfield, type ChunkBytes } from '@imgswarm/core'
import { Downloader, type DownloaderInit } from './downloader.js'
import { SchedulerConfigError } from './errors.js'
import { MemoryChunkStore } from './memory-chunk-store.js'
import type { RejectReason } from './network.js'
import { SimulatedSwarm, type SimNode } from './memory-network.js'
import { createRandom, randomInt } from './random.js'
import { SeedServePolicy } from './seed-serve-policy.js'
import { Uploader, type UploaderInit } from './uploader.js'

/** A distribution to simulate: one seed, `peers` agents all starting at time 0. */
export interface SwarmSimulationInit {
  chunkLengths: readonly number[]
  peers: number
  seedUpBps: number
  /** Per agent (a function of the agent's number, 0-based, for heterogeneous links). */
  peerUpBps: number | ((k: number) => number)
  peerDownBps: number | ((k: number) => number)
  /** One-way access latency of every node (ms). */
  latencyMs?: number
  /**
   * Sessions each agent holds with other agents (a tracker handing out random peers, each node
   * capping its sessions): agents open sessions to random others until they hold `degree`; an
   * agent that holds `degree` accepts no more. Every agent ends with about `degree` (a few with
   * one or two fewer). Default: everyone with everyone.
   */
  degree?: number
  /** Agents the seed has a session with (default: all). */
  seedDegree?: number
  /** Site label of agent k (default: none). */
  siteOf?: (k: number) => string | undefined
  /** Seed of the PRNG for the topology and every downloader. */
  randomSeed?: number
  /** The seed's serve policy (default 'seed'). */
  seedPolicy?: 'seed' | 'default'
  /** The agents' serve policy (default 'default'). */
  peerPolicy?: 'seed' | 'default'
  downloader?: Partial<DownloaderInit>
  uploader?: Partial<UploaderInit>
  /** Give up at this virtual time (ms). */
  maxTimeMs?: number
  /** Simulated-network knobs. */
  microtaskTurns?: number
  /** Calls `onSample` every this many virtual ms (utilisation over time). */
  sampleEveryMs?: number
  onSample?: (sample: SwarmSample) => void
}

/** The state of a simulated distribution at one moment. */
export interface SwarmSample {
  timeMs: number
  peersDone: number
  /** Upload rate of all agents now / their summed uplink capacity. */
  peerUploadUtilisation: number
  /** Upload rate of the seed now / its uplink capacity. */
  seedUploadUtilisation: number
}

export interface SwarmSimulationResult {
  fileBytes: number
  peers: number
  /** Completion time of each agent (ms; Infinity if it did not finish). */
  completionMs: number[]
  lastMs: number
  medianMs: number
  /** The lower bound max(F/U_seed, F/D_min, N·F/(U_seed + Σ U_agents)) in ms. */
  tStarMs: number
  /** lastMs / tStarMs. */
  ratio: number
  seedBytesUp: number
  /** seedBytesUp / fileBytes. */
  seedCopies: number
  /** Agent-to-agent sessions per agent, as built (n − 1 in a full mesh). */
  meanDegree: number
  /** Agent-to-agent sessions of each agent, as built. */
  degrees: number[]
  /** Chunks that arrived twice at an agent, summed over agents. */
  duplicateChunks: number
  /** Downloader counters summed over agents. */
  totals: { requests: number; reRequests: number; endgameRequests: number; timeouts: number; rejects: Record<RejectReason, number> }
  events: number
  wallMs: number
}

/**
 * Simulates one distribution with the real scheduler (Downloader, Uploader, SeedServePolicy)
 * on the in-memory network: no bytes are kept (stores are virtual, the verifier checks lengths),
 * so thousands of nodes fit in memory. Used by the tests and by the large-scale simulator.
 */
export async function simulateSwarm(init: SwarmSimulationInit): Promise<SwarmSimulationResult> {
  const wallStart = performance.now()
  const n = init.peers
  if (!Number.isInteger(n) || n < 1) throw new SchedulerConfigError(`peers must be a positive integer, got ${n}`)
  const lengths = init.chunkLengths
  const fileBytes = lengths.reduce((a, b) => a + b, 0)
  const up = (k: number): number => (typeof init.peerUpBps === 'function' ? init.peerUpBps(k) : init.peerUpBps)
  const down = (k: number): number => (typeof init.peerDownBps === 'function' ? init.peerDownBps(k) : init.peerDownBps)
  const random = createRandom(init.randomSeed ?? 1)
  const swarm = new SimulatedSwarm({ latencyMs: init.latencyMs ?? 5, microtaskTurns: init.microtaskTurns })
  const verify = (index: number, bytes: ChunkBytes): boolean => bytes.byteLength === lengths[index]

  const seedStore = MemoryChunkStore.fullVirtual(lengths)
  const seed = swarm.addNode({
    id: 'seed',
    upBps: init.seedUpBps,
    downBps: init.seedUpBps,
    hello: () => ({ haves: seedStore.verified, seed: true }),
  })
  seed.attach(
    new Uploader({
      source: seedStore,
      network: seed,
      clock: swarm.clock,
      policy: (init.seedPolicy ?? 'seed') === 'seed' ? new SeedServePolicy({ chunkCount: lengths.length }) : undefined,
      ...init.uploader,
    }),
  )

  const completionMs = new Array<number>(n).fill(Infinity)
  const downloaders: Downloader[] = []
  const agentNodes: SimNode[] = []
  let finished = 0
  let failure: unknown
  for (let k = 0; k < n; k++) {
    const id = `p${k}`
    const store = new MemoryChunkStore({ chunkLengths: lengths, retainBytes: false })
    const site = init.siteOf?.(k)
    const node = swarm.addNode({
      id,
      upBps: up(k),
      downBps: down(k),
      hello: () => ({ haves: new Bitfield(lengths.length, store.verified.toBytes()), site }),
    })
    const d = new Downloader({
      chunkLengths: lengths,
      sink: store,
      verify,
      network: node,
      clock: swarm.clock,
      random: createRandom(randomInt(random, 2 ** 31)),
      site,
      ...init.downloader,
    })
    node.attach(d)
    agentNodes.push(node)
    const policy = init.peerPolicy === 'seed' ? new SeedServePolicy({ chunkCount: lengths.length }) : undefined
    node.attach(new Uploader({ source: store, network: node, clock: swarm.clock, policy, ...init.uploader }))
    downloaders.push(d)
  }

  // Topology: the seed with `seedDegree` agents, each agent with `degree` random others.
  const seedDegree = Math.min(n, init.seedDegree ?? n)
  for (const k of sample(random, n, seedDegree)) swarm.connect('seed', `p${k}`)
  if (init.degree === undefined || init.degree >= n - 1) {
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) swarm.connect(`p${a}`, `p${b}`)
  } else {
    // Partners are drawn among agents still under the cap (as a node below its cap keeps
    // finding peers through the tracker and peer exchange), so nearly every agent ends with
    // exactly `degree`: drawing among all agents left the last ones with a third fewer sessions,
    // and they finished last (1,000 agents: the 10 last had 16–20 sessions, not 24).
    const degree = init.degree
    const sessions = new Int32Array(n)
    const open = Array.from({ length: n }, (_, k) => k)
    const slot = Int32Array.from(open) // position of each agent in `open`, -1 once full
    const close = (k: number): void => {
      const at = slot[k]
      const last = open.pop() as number
      if (last !== k) {
        open[at] = last
        slot[last] = at
      }
      slot[k] = -1
    }
    for (let a = 0; a < n; a++) {
      for (let tries = 0; sessions[a] < degree && open.length > 1 && tries < degree * 8; tries++) {
        const b = open[randomInt(random, open.length)]
        if (b === a || !swarm.connect(`p${a}`, `p${b}`)) continue
        for (const k of [a, b]) if (++sessions[k] >= degree) close(k)
      }
    }
  }
  const degrees = agentNodes.map((node) => node.links.size - (node.links.has('seed') ? 1 : 0))

  if (init.sampleEveryMs !== undefined && init.onSample !== undefined) {
    const every = init.sampleEveryMs
    const onSample = init.onSample
    const nodes = [...swarm.allNodes()].filter((x) => x !== seed)
    const capacity = nodes.reduce((a, x) => a + x.upBps, 0)
    const sampleNow = (): void => {
      if (finished === n || failure !== undefined) return
      const rate = nodes.reduce((a, x) => a + x.uploadRate(), 0)
      onSample({ timeMs: swarm.now, peersDone: finished, peerUploadUtilisation: rate / capacity, seedUploadUtilisation: seed.uploadRate() / seed.upBps })
      swarm.clock.schedule(every, sampleNow)
    }
    swarm.clock.schedule(every, sampleNow)
  }

  downloaders.forEach((d, k) => {
    d.start().then(
      () => {
        completionMs[k] = swarm.now
        finished++
      },
      (err: unknown) => {
        failure ??= err
      },
    )
  })
  await swarm.run({ until: init.maxTimeMs ?? Infinity, stopWhen: () => finished === n || failure !== undefined })
  if (failure !== undefined) throw failure
  for (const d of downloaders) d.stop()

  const sorted = [...completionMs].sort((a, b) => a - b)
  const lastMs = sorted[n - 1]
  const medianMs = n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
  let sumUp = 0
  let minDown = Infinity
  for (let k = 0; k < n; k++) {
    sumUp += up(k)
    minDown = Math.min(minDown, down(k))
  }
  const tStarMs = 1000 * Math.max(fileBytes / init.seedUpBps, fileBytes / minDown, (n * fileBytes) / (init.seedUpBps + sumUp))
  return {
    fileBytes,
    peers: n,
    completionMs,
    lastMs,
    medianMs,
    tStarMs,
    ratio: lastMs / tStarMs,
    seedBytesUp: seed.bytesUp,
    seedCopies: seed.bytesUp / fileBytes,
    meanDegree: degrees.reduce((a, b) => a + b, 0) / n,
    degrees,
    duplicateChunks: downloaders.reduce((a, d) => a + d.stats.duplicateChunks, 0),
    totals: sumStats(downloaders),
    events: swarm.events,
    wallMs: performance.now() - wallStart,
  }
}

function sumStats(downloaders: Downloader[]): SwarmSimulationResult['totals'] {
  const t: SwarmSimulationResult['totals'] = { requests: 0, reRequests: 0, endgameRequests: 0, timeouts: 0, rejects: { 'not-have': 0, busy: 0, elsewhere: 0, 'shutting-down': 0 } }
  for (const d of downloaders) {
    const s = d.stats
    t.requests += s.requests
    t.reRequests += s.reRequests
    t.endgameRequests += s.endgameRequests
    t.timeouts += s.timeouts
    for (const k of Object.keys(t.rejects) as RejectReason[]) t.rejects[k] += s.rejects[k]
  }
  return t
}

/** `count` distinct integers from [0, n), in random order. */
function sample(random: () => number, n: number, count: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i)
  for (let i = 0; i < count; i++) {
    const j = i + randomInt(random, n - i)
    const t = all[i]
    all[i] = all[j]
    all[j] = t
  }
  return all.slice(0, count)
}
