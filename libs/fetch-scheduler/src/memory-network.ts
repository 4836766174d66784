import type { ChunkIndex } from '@imgswarm/core'
import { SimulationError } from './errors.js'
import { EventQueue, type VirtualEvent } from './event-queue.js'
import type { PeerHello, PeerKey, RejectReason, SwarmEvents, SwarmNetwork } from './network.js'

export interface SimulatedSwarmInit {
  /** One-way latency of a node's access link when `SimNodeInit.latencyMs` is not given (ms). */
  latencyMs?: number
  /**
   * Microtask turns drained after each event that may settle a promise (a send finishing, a
   * chunk arriving, a component's timer), so that continuations (an uploader starting its next
   * send, an async sink write) run at the virtual time of the event that caused them. A few
   * turns cover the scheduler's own chains. Other events (Haves, requests) are synchronous.
   */
  microtaskTurns?: number
  /** Yield to the real event loop (setImmediate) every this many events. */
  yieldEvery?: number
}

export interface SimNodeInit {
  id: PeerKey
  /** Uplink capacity in bytes per second (Infinity: unlimited). */
  upBps: number
  /** Downlink capacity in bytes per second (Infinity: unlimited). */
  downBps: number
  /** One-way latency of this node's access link: a message from A to B takes A's plus B's (ms). */
  latencyMs?: number
  /** What this node says in its Hello when a session opens (called at that moment). */
  hello?: () => PeerHello
}

export interface RunOptions {
  /** Stop once virtual time would pass this (ms). */
  until?: number
  /** Checked after every event; stop when it returns true. */
  stopWhen?: () => boolean
  /** Stop after this many events (a guard against livelock in tests). */
  maxEvents?: number
}

export interface RunResult {
  /** Virtual time at the end of the run (ms). */
  time: number
  events: number
  /** Why the run ended. */
  reason: 'idle' | 'until' | 'stopWhen' | 'maxEvents'
}

/** A session between two nodes; messages check it is still open when they arrive. */
interface Link {
  a: SimNode
  b: SimNode
  open: boolean
  /** One-way delay between the two ends (ms). */
  delay: number
  flows: Set<Flow>
}

/** One chunk on its way from src's uplink to dst's downlink. */
interface Flow {
  src: SimNode
  dst: SimNode
  link: Link
  index: ChunkIndex
  bytes: Uint8Array
  remaining: number
  /** Bytes per ms. */
  rate: number
  updatedAt: number
  done: { event?: VirtualEvent }
  resolve: () => void
  reject: (err: Error) => void
}

/**
 * An in-memory network on virtual time for many simulated nodes: the `SwarmNetwork` each node's
 * scheduler drives, and the `SwarmEvents` it receives, exactly as over libp2p.
 *
 * Model: every message takes the sum of both ends' access latencies. Chunk bytes flow through
 * the sender's uplink and the receiver's downlink, each shared equally among the flows crossing
 * it (processor sharing); a flow runs at the smaller of its two shares, and rates are recomputed
 * only at the two ends when a flow starts or ends (O(flows at those ends)). A share one flow
 * cannot use is not handed to the others (no max-min redistribution), so links are slightly
 * under-used when the bottlenecks are mixed; the core is not modelled (no cross traffic, no
 * loss, no TCP dynamics), nor are control messages' bytes.
 *
 * `sendChunk` resolves when the last byte leaves the sender (the transport took it); the
 * receiver gets `chunkReceived` one link delay later. Closing a session aborts its flows.
 */
export class SimulatedSwarm {
  readonly clock = new EventQueue()
  private readonly nodes = new Map<PeerKey, SimNode>()
  private readonly defaultLatency: number
  private readonly microtaskTurns: number
  private readonly yieldEvery: number
  private eventCount = 0

  constructor(init: SimulatedSwarmInit = {}) {
    this.defaultLatency = init.latencyMs ?? 1
    this.microtaskTurns = init.microtaskTurns ?? 6
    this.yieldEvery = init.yieldEvery ?? 5_000
  }

  get now(): number {
    return this.clock.now()
  }

  get events(): number {
    return this.eventCount
  }

  addNode(init: SimNodeInit): SimNode {
    if (this.nodes.has(init.id)) throw new SimulationError(`node ${init.id} already exists`)
    for (const key of ['upBps', 'downBps'] as const) {
      if (!(init[key] > 0)) throw new SimulationError(`node ${init.id}: ${key} must be positive, got ${init[key]}`)
    }
    const node = new SimNode(this, init, init.latencyMs ?? this.defaultLatency)
    this.nodes.set(init.id, node)
    return node
  }

  node(id: PeerKey): SimNode {
    const n = this.nodes.get(id)
    if (n === undefined) throw new SimulationError(`no node ${id}`)
    return n
  }

  allNodes(): IterableIterator<SimNode> {
    return this.nodes.values()
  }

  /**
   * Opens a session between two nodes: each gets the other's Hello (taken now) one link delay
   * later. No-op if they are connected already or one has banned the other.
   */
  connect(a: PeerKey, b: PeerKey): boolean {
    if (a === b) throw new SimulationError(`node ${a} cannot connect to itself`)
    const na = this.node(a)
    const nb = this.node(b)
    if (na.links.has(b) || na.banned.has(b) || nb.banned.has(a) || na.gone || nb.gone) return false
    const link: Link = { a: na, b: nb, open: true, delay: na.latencyMs + nb.latencyMs, flows: new Set() }
    na.links.set(b, link)
    nb.links.set(a, link)
    na.groups = undefined
    nb.groups = undefined
    const helloA = na.helloNow()
    const helloB = nb.helloNow()
    this.deliver(link, nb, (l) => l.peerJoined(a, helloA))
    this.deliver(link, na, (l) => l.peerJoined(b, helloB))
    return true
  }

  /** Closes a session: flows on it are aborted, both ends get `peerLeft` one link delay later. */
  disconnect(a: PeerKey, b: PeerKey): void {
    const na = this.node(a)
    const link = na.links.get(b)
    if (link === undefined) return
    link.open = false
    link.a.links.delete(link.b.id)
    link.b.links.delete(link.a.id)
    link.a.groups = undefined
    link.b.groups = undefined
    for (const f of [...link.flows]) this.endFlow(f, false)
    // peerLeft travels regardless of `open`: it is the news of the close itself.
    this.clock.schedule(
      link.delay,
      () => {
        for (const l of link.a.listeners) l.peerLeft(link.b.id)
        for (const l of link.b.listeners) l.peerLeft(link.a.id)
      },
      true,
    )
  }

  /** Takes a node out of the swarm (crash or departure): all its sessions close. */
  removeNode(id: PeerKey): void {
    const n = this.node(id)
    n.gone = true
    for (const peer of [...n.links.keys()]) this.disconnect(id, peer)
  }

  /**
   * Runs events in time order until none is left or a stop condition holds. Async because
   * promise continuations (uploads, async sinks) must run between events.
   */
  async run(options: RunOptions = {}): Promise<RunResult> {
    const until = options.until ?? Infinity
    const maxEvents = options.maxEvents ?? Infinity
    let events = 0
    for (;;) {
      if (options.stopWhen?.() === true) return this.result(events, 'stopWhen')
      if (events >= maxEvents) return this.result(events, 'maxEvents')
      const next = this.clock.peekTime()
      if (next === undefined) return this.result(events, 'idle')
      if (next > until) return this.result(events, 'until')
      const async = this.clock.runNext()
      events++
      this.eventCount++
      if (async === true) for (let k = 0; k < this.microtaskTurns; k++) await undefined
      if (this.eventCount % this.yieldEvery === 0) await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }

  // ---- used by SimNode ------------------------------------------------------------------------

  /** Runs `fn` on each listener of `to` one link delay from now, if the session is still open. */
  deliver(link: Link, to: SimNode, fn: (l: SwarmEvents) => void, async = false): void {
    this.clock.schedule(
      link.delay,
      () => {
        if (!link.open) return
        for (const l of to.listeners) fn(l)
      },
      async,
    )
  }

  /** Tells every peer of `from` about new chunks: one event per distinct link delay, not per link. */
  broadcastHave(from: SimNode, indices: readonly ChunkIndex[]): void {
    const id = from.id
    for (const group of from.linkGroups()) {
      this.clock.schedule(group[0].delay, () => {
        for (const link of group) {
          if (!link.open) continue
          const to = link.a === from ? link.b : link.a
          for (const l of to.listeners) l.peerHave(id, indices)
        }
      })
    }
  }

  startFlow(src: SimNode, link: Link, index: ChunkIndex, bytes: Uint8Array): Promise<void> {
    const dst = link.a === src ? link.b : link.a
    return new Promise<void>((resolve, reject) => {
      const now = this.clock.now()
      const f: Flow = { src, dst, link, index, bytes, remaining: bytes.byteLength, rate: 0, updatedAt: now, done: {}, resolve, reject }
      link.flows.add(f)
      src.upFlows.add(f)
      dst.downFlows.add(f)
      this.reshare(src, dst)
    })
  }

  private endFlow(f: Flow, completed: boolean): void {
    if (!f.link.flows.delete(f)) return
    f.src.upFlows.delete(f)
    f.dst.downFlows.delete(f)
    if (f.done.event !== undefined) this.clock.cancel(f.done.event)
    this.reshare(f.src, f.dst)
    if (!completed) {
      f.reject(new SimulationError(`session ${f.src.id} -> ${f.dst.id} closed during a send`))
      return
    }
    f.src.bytesUp += f.bytes.byteLength
    f.dst.bytesDown += f.bytes.byteLength
    f.resolve()
    const { src, dst, index, bytes } = f
    this.deliver(f.link, dst, (l) => l.chunkReceived(src.id, index, bytes), true)
  }

  /** Recomputes the rates of the flows at src's uplink and dst's downlink. */
  private reshare(src: SimNode, dst: SimNode): void {
    const now = this.clock.now()
    for (const f of src.upFlows) this.rerate(f, now)
    for (const f of dst.downFlows) if (f.src !== src) this.rerate(f, now)
  }

  private rerate(f: Flow, now: number): void {
    const rate = Math.min(f.src.upBps / f.src.upFlows.size, f.dst.downBps / f.dst.downFlows.size) / 1000
    const progressed = f.rate === Infinity ? f.remaining : f.rate * (now - f.updatedAt)
    f.remaining = Math.max(0, f.remaining - progressed)
    f.updatedAt = now
    if (rate === f.rate && f.done.event !== undefined) return
    f.rate = rate
    if (f.done.event !== undefined) this.clock.cancel(f.done.event)
    const eta = rate === Infinity ? 0 : f.remaining / rate
    f.done.event = this.clock.schedule(
      eta,
      () => {
        f.done.event = undefined
        this.endFlow(f, true)
      },
      true,
    )
  }

  private result(events: number, reason: RunResult['reason']): RunResult {
    return { time: this.clock.now(), events, reason }
  }
}

/** One simulated node: its `SwarmNetwork`, its listeners, its links and counters. */
export class SimNode implements SwarmNetwork {
  readonly id: PeerKey
  readonly upBps: number
  readonly downBps: number
  readonly latencyMs: number
  readonly listeners: SwarmEvents[] = []
  readonly links = new Map<PeerKey, Link>()
  readonly upFlows = new Set<Flow>()
  readonly downFlows = new Set<Flow>()
  readonly banned = new Set<PeerKey>()
  /** Every `ban` call, in order. */
  readonly bans: { peer: PeerKey; reason: string }[] = []
  bytesUp = 0
  bytesDown = 0
  gone = false
  /** Open links grouped by delay, for broadcasts (rebuilt when links change). */
  groups: Link[][] | undefined
  private hello: (() => PeerHello) | undefined
  private readonly swarm: SimulatedSwarm

  constructor(swarm: SimulatedSwarm, init: SimNodeInit, latencyMs: number) {
    this.swarm = swarm
    this.id = init.id
    this.upBps = init.upBps
    this.downBps = init.downBps
    this.latencyMs = latencyMs
    this.hello = init.hello
  }

  /** Adds a receiver of this node's events (downloader, uploader, test probes). */
  attach(listener: SwarmEvents): void {
    this.listeners.push(listener)
  }

  setHello(hello: () => PeerHello): void {
    this.hello = hello
  }

  helloNow(): PeerHello {
    if (this.hello === undefined) throw new SimulationError(`node ${this.id} has no Hello provider`)
    return this.hello()
  }

  /** Bytes per second leaving this node right now (sum of its flows' current rates). */
  uploadRate(): number {
    let r = 0
    for (const f of this.upFlows) r += f.rate
    return r * 1000
  }

  /** Peers with an open session. */
  peers(): PeerKey[] {
    return [...this.links.keys()]
  }

  // ---- SwarmNetwork ---------------------------------------------------------------------------

  request(peer: PeerKey, indices: readonly ChunkIndex[]): void {
    const link = this.links.get(peer)
    if (link === undefined || indices.length === 0) return
    const copy = indices.slice()
    this.swarm.deliver(link, this.other(link), (l) => l.chunkRequested(this.id, copy))
  }

  cancel(peer: PeerKey, indices: readonly ChunkIndex[]): void {
    const link = this.links.get(peer)
    if (link === undefined || indices.length === 0) return
    const copy = indices.slice()
    this.swarm.deliver(link, this.other(link), (l) => l.requestCancelled(this.id, copy))
  }

  sendChunk(peer: PeerKey, index: ChunkIndex, bytes: Uint8Array): Promise<void> {
    const link = this.links.get(peer)
    if (link === undefined) return Promise.reject(new SimulationError(`${this.id} has no session with ${peer}`))
    return this.swarm.startFlow(this, link, index, bytes)
  }

  reject(peer: PeerKey, index: ChunkIndex, reason: RejectReason): void {
    const link = this.links.get(peer)
    if (link === undefined) return
    this.swarm.deliver(link, this.other(link), (l) => l.chunkRejected(this.id, index, reason))
  }

  announce(indices: readonly ChunkIndex[]): void {
    if (indices.length === 0 || this.links.size === 0) return
    this.swarm.broadcastHave(this, indices.slice())
  }

  /** Open links grouped by their delay. */
  linkGroups(): Link[][] {
    if (this.groups === undefined) {
      const byDelay = new Map<number, Link[]>()
      for (const link of this.links.values()) {
        const g = byDelay.get(link.delay)
        if (g === undefined) byDelay.set(link.delay, [link])
        else g.push(link)
      }
      this.groups = [...byDelay.values()]
    }
    return this.groups
  }

  ban(peer: PeerKey, reason: string): void {
    this.bans.push({ peer, reason })
    this.banned.add(peer)
    this.swarm.disconnect(this.id, peer)
  }

  private other(link: Link): SimNode {
    return link.a === this ? link.b : link.a
  }
}
