import { Bitfield, type ChunkIndex } from '@imgswarm/core'
import type { PeerKey, RejectReason, SwarmEvents, SwarmNetwork } from '@imgswarm/fetch-scheduler'
import type { Connection } from '@libp2p/interface'
import {
  CHUNK_PROTOCOL,
  DEFAULT_MAX_INDICES_PER_MESSAGE,
  DEFAULT_MAX_PEERS_PER_MESSAGE,
  MessageChannel,
  type HelloMessage,
  type PeerAddresses,
  type WireMessage,
} from '@imgswarm/wire'
import type { CID } from 'multiformats/cid'
import type { Logger } from 'pino'
import { ChunkSession, type SessionOwner } from './chunk-session.js'
import { setNewest, shuffle } from './collections.js'
import {
  DEFAULT_DECLINE_COOL_OFF_MS,
  DEFAULT_HELLO_TIMEOUT_MS,
  DEFAULT_MAX_KNOWN_PEERS,
  DEFAULT_MAX_PEERS,
  DEFAULT_PEX_INTERVAL_MS,
} from './constants.js'

/** What an image swarm needs from the node it runs on. */
export interface ImageSwarmComponents {
  localPeer: string
  /** The node's own dialable addresses (with /p2p/ suffix), sent in Hello for peer exchange. */
  listenAddrs(): string[]
  isBanned(peer: string): boolean
  /** Disconnects and refuses `peer` from now on. */
  ban(peer: string, reason: string): void
  /** Dials a peer learnt through peer exchange and opens a session for this image. */
  connectTo(peer: PeerAddresses, image: ImageSwarm): void
  log: Logger
}

export interface ImageSwarmInit {
  manifestCid: CID
  chunkCount: number
  /** Our verified chunks (live view; announced in Hello). */
  haves: () => Bitfield
  seed: boolean
  site?: string
  maxPeers?: number
  pexIntervalMs?: number
  helloTimeoutMs?: number
  /** How long a peer that declined us for being full is not redialled (DEFAULT_DECLINE_COOL_OFF_MS). */
  declineCoolOffMs?: number
}

/** Session counters by peer, for status reports. */
export interface SessionInfo {
  peer: string
  site?: string
  seed: boolean
  initiator: 'local' | 'remote'
}

/**
 * The swarm of one image on this node: a session per peer over `/imgswarm/chunks/1.0.0`, and
 * the `SwarmNetwork` the fetch scheduler drives. Translates scheduler calls into wire messages
 * and wire messages into scheduler events, batches Have announcements, and gossips the peers it
 * knows (peer exchange) so agents that only know the seed still find each other.
 */
export class ImageSwarm implements SwarmNetwork, SessionOwner {
  readonly manifestCid: CID
  readonly chunkCount: number
  private readonly sessions = new Map<string, ChunkSession>()
  private readonly opening = new Set<string>()
  private readonly addrsByPeer = new Map<string, readonly string[]>()
  /** Every peer we learnt addresses of (Hellos and peer exchange), oldest first, bounded; kept after sessions end. */
  private readonly known = new Map<string, readonly string[]>()
  private declinedCount = 0
  /** Peers that declined our session for being full, and until when we leave them be. */
  private readonly declinedUntil = new Map<string, number>()
  private readonly listeners: SwarmEvents[] = []
  private pendingHaves: ChunkIndex[] = []
  private haveFlushScheduled = false
  private pexTimer?: NodeJS.Timeout
  private pexVersion = 0
  private readonly pexSent = new Map<string, number>()
  private stopped = false
  private readonly log: Logger

  constructor(
    private readonly components: ImageSwarmComponents,
    private readonly init: ImageSwarmInit,
  ) {
    this.manifestCid = init.manifestCid
    this.chunkCount = init.chunkCount
    this.log = components.log.child({ image: init.manifestCid.toString().slice(-8) })
  }

  /** Scheduler parts (downloader, uploader) that receive this swarm's events. */
  attach(events: SwarmEvents): void {
    this.listeners.push(events)
    for (const s of this.sessions.values()) this.safely(events, (e) => e.peerJoined(s.peer, this.helloOf(s.remoteHello)))
  }

  detach(events: SwarmEvents): void {
    const i = this.listeners.indexOf(events)
    if (i >= 0) this.listeners.splice(i, 1)
  }

  start(): void {
    const interval = this.init.pexIntervalMs ?? DEFAULT_PEX_INTERVAL_MS
    this.pexTimer = setInterval(() => this.exchangePeers(), interval)
    this.pexTimer.unref()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.pexTimer)
    await Promise.all([...this.sessions.values()].map((s) => s.close('shutting-down')))
  }

  get peerCount(): number {
    return this.sessions.size
  }

  sessionInfo(): SessionInfo[] {
    return [...this.sessions.values()].map((s) => ({
      peer: s.peer,
      site: s.remoteHello.site,
      seed: s.remoteHello.seed,
      initiator: s.initiator,
    }))
  }

  hasSession(peer: string): boolean {
    return this.sessions.has(peer) || this.opening.has(peer)
  }

  /** Sessions this node declined for being full (each answered with other peers' addresses when it knew any). */
  get sessionsDeclined(): number {
    return this.declinedCount
  }

  /**
   * Peers whose addresses this swarm learnt (from their Hello or from peer exchange), whether or
   * not a session with them is open: the node redials them when its sessions fall below its floor.
   */
  knownPeers(): PeerAddresses[] {
    const out: PeerAddresses[] = []
    for (const [id, addrs] of this.known) {
      if (id !== this.components.localPeer && !this.components.isBanned(id)) out.push({ id, addrs })
    }
    return out
  }

  /** True while `peer` recently declined us for being full: asking again sooner only loads it. */
  isCoolingOff(peer: string, now = Date.now()): boolean {
    const until = this.declinedUntil.get(peer)
    if (until === undefined) return false
    if (until > now) return true
    this.declinedUntil.delete(peer)
    return false
  }

  private noteDeclined(peer: string): void {
    const now = Date.now()
    // forget lapsed entries: the map holds only peers declining us right now
    for (const [p, until] of this.declinedUntil) if (until <= now) this.declinedUntil.delete(p)
    this.declinedUntil.set(peer, now + (this.init.declineCoolOffMs ?? DEFAULT_DECLINE_COOL_OFF_MS))
  }

  get wantsMorePeers(): boolean {
    return !this.stopped && this.sessions.size + this.opening.size < (this.init.maxPeers ?? DEFAULT_MAX_PEERS)
  }

  // ---- sessions -------------------------------------------------------------------------

  /** Opens a session over `connection` (we dialled, or PEX told us of the peer). */
  async openSession(connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    if (this.stopped || this.hasSession(peer) || this.components.isBanned(peer)) return
    // whoever asks (a redial round, peer exchange, a new connection): a peer that just turned us away is left alone
    if (this.isCoolingOff(peer)) return
    this.opening.add(peer)
    let channel: MessageChannel | undefined
    try {
      const signal = AbortSignal.timeout(this.init.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS)
      const stream = await connection.newStream(CHUNK_PROTOCOL, { signal })
      channel = new MessageChannel(stream, { chunkCount: this.chunkCount })
      await channel.send(this.localHello(), { signal })
      const reply = await channel.read({ signal })
      if (reply === undefined || reply.type === 'goodbye') {
        this.log.debug({ peer, reason: reply?.type === 'goodbye' ? reply.reason : 'closed' }, 'peer declined session')
        if (reply?.type === 'goodbye' && reply.reason === 'too-many-peers') this.noteDeclined(peer)
        await channel.close().catch(() => {})
        return
      }
      if (reply.type !== 'hello') throw new Error(`expected Hello, got ${reply.type}`)
      this.register(channel, connection, reply, 'local')
    } catch (err) {
      this.log.debug({ peer, err: (err as Error).message }, 'could not open session')
      channel?.abort(err as Error)
    } finally {
      this.opening.delete(peer)
    }
  }

  /** Accepts a session the peer opened; its Hello was already read by the node's handler. */
  async acceptSession(channel: MessageChannel, connection: Connection, hello: HelloMessage): Promise<void> {
    const peer = connection.remotePeer.toString()
    if (this.stopped) {
      await channel.goodbye('shutting-down')
      return
    }
    const existing = this.sessions.get(peer)
    if (existing !== undefined || this.opening.has(peer)) {
      // Two sessions opened at once: both sides keep the one opened by the smaller peer id.
      const keepOurs = this.components.localPeer < peer
      if (keepOurs) {
        await channel.goodbye('too-many-peers')
        return
      }
      existing?.abort(new Error('replaced by the session the peer opened'))
    } else if (!this.wantsMorePeers && !hello.seed) {
      await this.decline(channel, peer)
      return
    }
    await channel.send(this.localHello())
    this.register(channel, connection, hello, 'remote')
  }

  private register(channel: MessageChannel, connection: Connection, hello: HelloMessage, initiator: 'local' | 'remote'): void {
    const session = new ChunkSession(channel, connection, hello, initiator, this, this.log)
    const previous = this.sessions.get(session.peer)
    previous?.abort(new Error('superseded'))
    this.sessions.set(session.peer, session)
    if (hello.listenAddrs !== undefined && hello.listenAddrs.length > 0) {
      this.addrsByPeer.set(session.peer, hello.listenAddrs)
      this.remember({ id: session.peer, addrs: hello.listenAddrs })
      this.pexVersion++
    }
    this.log.debug({ peer: session.peer, seed: hello.seed, site: hello.site, have: hello.bitfield.count }, 'session open')
    this.emit((e) => e.peerJoined(session.peer, this.helloOf(hello)))
    void session.run()
  }

  onMessage(session: ChunkSession, msg: WireMessage): void {
    if (this.sessions.get(session.peer) !== session) return
    switch (msg.type) {
      case 'have':
        this.emit((e) => e.peerHave(session.peer, msg.indices))
        break
      case 'request':
        this.emit((e) => e.chunkRequested(session.peer, msg.indices))
        break
      case 'cancel':
        this.emit((e) => e.requestCancelled(session.peer, msg.indices))
        break
      case 'chunk':
        this.emit((e) => e.chunkReceived(session.peer, msg.index, msg.bytes))
        break
      case 'reject':
        this.emit((e) => e.chunkRejected(session.peer, msg.index, msg.reason))
        break
      case 'peers':
        this.learnPeers(msg.peers)
        break
      default:
        break
    }
  }

  onClose(session: ChunkSession): void {
    if (this.sessions.get(session.peer) !== session) return
    this.sessions.delete(session.peer)
    this.pexSent.delete(session.peer)
    // a full peer answers with a referral (an empty Hello, Peers) and then this Goodbye
    if (session.goodbyeReason === 'too-many-peers') this.noteDeclined(session.peer)
    this.log.debug({ peer: session.peer, reason: session.goodbyeReason }, 'session closed')
    this.emit((e) => e.peerLeft(session.peer))
  }

  // ---- SwarmNetwork ---------------------------------------------------------------------

  request(peer: PeerKey, indices: readonly ChunkIndex[]): void {
    this.postBatched(peer, 'request', indices)
  }

  cancel(peer: PeerKey, indices: readonly ChunkIndex[]): void {
    this.postBatched(peer, 'cancel', indices)
  }

  async sendChunk(peer: PeerKey, index: ChunkIndex, bytes: Uint8Array): Promise<void> {
    const session = this.sessions.get(peer)
    if (session === undefined) throw new Error(`no session with ${peer}`)
    await session.send({ type: 'chunk', index, bytes })
  }

  reject(peer: PeerKey, index: ChunkIndex, reason: RejectReason): void {
    this.sessions.get(peer)?.post({ type: 'reject', index, reason })
  }

  announce(indices: readonly ChunkIndex[]): void {
    for (const i of indices) this.pendingHaves.push(i)
    if (this.haveFlushScheduled) return
    this.haveFlushScheduled = true
    // Coalesce the Haves of chunks verified in the same turn into one message per peer.
    setImmediate(() => this.flushHaves())
  }

  ban(peer: PeerKey, reason: string): void {
    this.components.ban(peer, reason)
  }

  /** Closes the session with `peer` (after a ban, or when the node drops the connection). */
  dropPeer(peer: string, reason: 'banned' | 'shutting-down' = 'banned'): void {
    void this.sessions.get(peer)?.close(reason)
  }

  // ---- internals ------------------------------------------------------------------------

  private flushHaves(): void {
    this.haveFlushScheduled = false
    const indices = this.pendingHaves
    this.pendingHaves = []
    if (indices.length === 0) return
    for (const session of this.sessions.values()) {
      for (const part of batches(indices, DEFAULT_MAX_INDICES_PER_MESSAGE)) session.post({ type: 'have', indices: part })
    }
  }

  private postBatched(peer: PeerKey, type: 'request' | 'cancel', indices: readonly ChunkIndex[]): void {
    const session = this.sessions.get(peer)
    if (session === undefined || indices.length === 0) return
    for (const part of batches(indices, DEFAULT_MAX_INDICES_PER_MESSAGE)) session.post({ type, indices: part })
  }

  /** Tells each peer the addresses of the others it may not know yet. */
  private exchangePeers(): void {
    if (this.stopped) return
    for (const session of this.sessions.values()) {
      if (this.pexSent.get(session.peer) === this.pexVersion) continue
      const peers: PeerAddresses[] = []
      for (const [id, addrs] of this.addrsByPeer) {
        if (id === session.peer || !this.sessions.has(id)) continue
        peers.push({ id, addrs })
        if (peers.length >= DEFAULT_MAX_PEERS_PER_MESSAGE) break
      }
      this.pexSent.set(session.peer, this.pexVersion)
      if (peers.length > 0) session.post({ type: 'peers', peers })
    }
  }

  private learnPeers(peers: readonly PeerAddresses[]): void {
    for (const p of peers) {
      if (p.id === this.components.localPeer || p.addrs.length === 0 || this.components.isBanned(p.id)) continue
      this.remember(p)
      if (!this.wantsMorePeers || this.hasSession(p.id)) continue
      this.components.connectTo(p, this)
    }
  }

  private remember(p: PeerAddresses): void {
    setNewest(this.known, p.id, p.addrs, DEFAULT_MAX_KNOWN_PEERS)
  }

  /**
   * Turns away a session for being full, but first points the dialer at other peers: the
   * dialer may know no one else (agents are often given only the seed's address). The wire
   * protocol allows only a Hello or a Goodbye first, so the referral is a Hello announcing no
   * chunks (nothing to request from us), a Peers message, then the Goodbye; a dialer handles it
   * as a session that ends at once after a peer exchange.
   */
  private async decline(channel: MessageChannel, peer: string): Promise<void> {
    this.declinedCount++
    const referrals = this.referralsFor(peer)
    try {
      if (referrals.length > 0) {
        await channel.send({ ...this.localHello(), bitfield: new Bitfield(this.chunkCount) })
        await channel.send({ type: 'peers', peers: referrals })
      }
    } catch (err) {
      this.log.debug({ peer, err: (err as Error).message }, 'declining a session failed')
      channel.abort(err as Error)
      return
    }
    await channel.goodbye('too-many-peers')
    this.log.debug({ peer, referred: referrals.length }, 'declined session (full); referred other peers')
  }

  /**
   * Up to DEFAULT_MAX_PEERS_PER_MESSAGE peers to refer a declined dialer to. Nothing tells us
   * which peers have free sessions, so: peers we have sessions with that are not seeds (seeds
   * are the ones that fill up) in random order, then seeds, then peers we only heard of.
   */
  private referralsFor(dialer: string): PeerAddresses[] {
    const agents: PeerAddresses[] = []
    const seeds: PeerAddresses[] = []
    for (const s of this.sessions.values()) {
      const addrs = this.addrsByPeer.get(s.peer)
      if (s.peer === dialer || addrs === undefined || addrs.length === 0) continue
      ;(s.remoteHello.seed ? seeds : agents).push({ id: s.peer, addrs })
    }
    const heard = this.knownPeers().filter((p) => p.id !== dialer && !this.sessions.has(p.id))
    return [...shuffle(agents), ...shuffle(seeds), ...shuffle(heard)].slice(0, DEFAULT_MAX_PEERS_PER_MESSAGE)
  }

  private localHello(): HelloMessage {
    return {
      type: 'hello',
      manifest: this.manifestCid,
      bitfield: this.init.haves(),
      site: this.init.site,
      seed: this.init.seed,
      listenAddrs: this.components.listenAddrs(),
    }
  }

  private helloOf(hello: HelloMessage): { haves: Bitfield; site?: string; seed?: boolean } {
    return { haves: hello.bitfield, site: hello.site, seed: hello.seed }
  }

  private emit(fn: (e: SwarmEvents) => void): void {
    for (const l of this.listeners) this.safely(l, fn)
  }

  private safely(listener: SwarmEvents, fn: (e: SwarmEvents) => void): void {
    try {
      fn(listener)
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'scheduler event handler threw')
    }
  }
}

function* batches<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size)
}
