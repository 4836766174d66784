import '@imgswarm/core/polyfills'
import { InvalidInputError, NotFoundError, type SignedManifest } from '@imgswarm/core'
import { ChunkStore, partialPathFor, type ImageSource } from '@imgswarm/chunk-store'
import { openManifest, parseManifestCid, type PublisherKey } from '@imgswarm/manifest'
import {
  CHUNK_PROTOCOL,
  DEFAULT_GOODBYE_TIMEOUT_MS,
  MANIFEST_PROTOCOL,
  MessageChannel,
  fetchManifest,
  handleManifestStream,
  type PeerAddresses,
} from '@imgswarm/wire'
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'
import { pino, type Logger } from 'pino'
import {
  DEFAULT_DIAL_TIMEOUT_MS,
  DEFAULT_DUPLICATE_CONNECTION_GRACE_MS,
  DEFAULT_HELLO_TIMEOUT_MS,
  DEFAULT_MANIFEST_TIMEOUT_MS,
  DEFAULT_MAX_BOOTSTRAP_ADDRS,
  DEFAULT_MAX_CONCURRENT_DIALS,
  DEFAULT_MAX_PEERS,
  DEFAULT_MIN_SESSIONS,
  DEFAULT_REDIAL_MAX_MS,
  DEFAULT_REDIAL_MIN_MS,
  MAX_PRUNE_ATTEMPTS,
} from './constants.js'
import { setNewest, shuffle } from './collections.js'
import { NoPeersError } from './errors.js'
import { ImageSwarm } from './image-swarm.js'
import { ImageTransfer, ImageServer, type TransferInit } from './image-transfer.js'
import { createHost } from './libp2p-host.js'
import { loadOrCreatePeerKey } from './peer-identity.js'
import { buildManifest, type PublishedImage } from './publish.js'

export interface SwarmNodeInit {
  /** Holds the node identity, the level metadata and (for downloads) the resume state. */
  dataDir: string
  listen?: string[]
  announce?: string[]
  mdns?: boolean
  /** Labels such as `site=plant-3`; `site` steers peer preference. */
  labels?: Record<string, string>
  /** Upload cap in bytes per second (whole node). */
  uploadRateBps?: number
  /** Download cap in bytes per second (whole node). */
  downloadRateBps?: number
  /** Most chunk sessions per image; past it, dialers are declined and referred to other peers. */
  maxPeers?: number
  /** While fetching, redial known peers when sessions fall below this (or the number of known peers). */
  minSessions?: number
  /** Pause before the first redial round; doubles per round up to `redialMaxMs`, reset on progress. */
  redialMinMs?: number
  redialMaxMs?: number
  /** How long a peer that declined us for being full is left out of redial rounds. */
  declineCoolOffMs?: number
  /** Most dials under way at once. */
  maxConcurrentDials?: number
  /** How long a second connection to one peer may stay before the redundant one is closed (if idle). */
  duplicateConnectionGraceMs?: number
  logger?: Logger
  /** Scheduler and store tunables passed through to each transfer (tests, benchmarks). */
  transfer?: Partial<TransferInit>
}

export interface FetchManifestResult {
  manifest: SignedManifest
  bytes: Uint8Array
}

/** The node's libp2p connections. */
export interface ConnectionStats {
  /** Connections open now. */
  connections: number
  /** Peers they reach (fewer than `connections` while a peer has two). */
  peers: number
  /** Redundant connections closed (a peer and this node had dialled each other at once). */
  duplicatesClosed: number
}

/** Counters of the node's reconnection (asserted by tests, shown by status). */
export interface RedialStats {
  /** Rounds in which some image being fetched was below its session floor. */
  rounds: number
  /** Dials started by those rounds. */
  dials: number
}

/** Upload counters of the whole node. */
export interface UploadStats {
  bytesUploaded: number
  chunksUploaded: number
}

interface HostedImage {
  swarm: ImageSwarm
  server: ImageServer
  source: ImageSource
  transfer?: ImageTransfer
}

/**
 * An imgswarm node: a libp2p host serving `/imgswarm/manifest/1.0.0` and `/imgswarm/chunks/1.0.0`,
 * a chunk store on disk, and for each image it holds an image swarm with an uploader (every node
 * serves what it has verified) and, while fetching, a downloader. Seeds, agents and the
 * coordinator's embedded seed are all this class.
 */
export class SwarmNode {
  readonly store: ChunkStore
  private readonly host: Libp2p
  private readonly log: Logger
  private readonly images = new Map<string, HostedImage>()
  /** Peer ids and bootstrap addresses being dialled. */
  private readonly dialing = new Set<string>()
  /** Dials waiting for a free slot (peer exchange can name dozens of peers at once). */
  private readonly dialQueue = new Map<string, { peer: PeerAddresses; image?: ImageSwarm }>()
  /** Addresses given to `connect` (e.g. `--peer`), redialled when sessions run low, with the peer each answered as. */
  private readonly bootstrap = new Map<string, string | undefined>()
  private redialTimer?: NodeJS.Timeout
  private redialDelayMs: number
  private lastVerified = -1
  private readonly redials: RedialStats = { rounds: 0, dials: 0 }
  private duplicatesClosed = 0
  /** Pending looks at a peer's duplicate connections, one per peer. */
  private readonly pruneTimers = new Map<string, NodeJS.Timeout>()
  private started = false

  private constructor(
    private readonly init: SwarmNodeInit,
    store: ChunkStore,
    host: Libp2p,
    log: Logger,
    /** Shared with the connection gater, which refuses banned peers' connections. */
    private readonly banned: Map<string, string>,
  ) {
    this.store = store
    this.host = host
    this.log = log
    this.redialDelayMs = init.redialMinMs ?? DEFAULT_REDIAL_MIN_MS
  }

  static async create(init: SwarmNodeInit): Promise<SwarmNode> {
    checkInit(init)
    const log = init.logger ?? pino({ level: 'silent' })
    const privateKey = await loadOrCreatePeerKey(init.dataDir)
    const store = await ChunkStore.open(init.dataDir)
    const banned = new Map<string, string>()
    let host: Libp2p
    try {
      host = await createHost({
        privateKey,
        listen: init.listen,
        announce: init.announce,
        mdns: init.mdns,
        isBanned: (peer) => banned.has(peer),
      })
    } catch (err) {
      await store.close()
      throw err
    }
    return new SwarmNode(init, store, host, log, banned)
  }

  get peerId(): string {
    return this.host.peerId.toString()
  }

  /** Dialable addresses of this node, each ending in /p2p/<peer id>. */
  addrs(): string[] {
    return this.host.getMultiaddrs().map((a) => a.toString())
  }

  get site(): string | undefined {
    return this.init.labels?.site
  }

  async start(): Promise<void> {
    if (this.started) return
    await this.host.start()
    await this.host.handle(MANIFEST_PROTOCOL, (stream) => this.onManifestStream(stream), { maxInboundStreams: 32 })
    await this.host.handle(CHUNK_PROTOCOL, (stream, connection) => this.onChunkStream(stream, connection), {
      maxInboundStreams: 64,
    })
    this.host.addEventListener('peer:connect', (evt) => this.onPeerConnect(evt.detail))
    this.host.addEventListener('connection:open', (evt) => this.onConnectionOpen(evt.detail))
    this.host.addEventListener('peer:discovery', (evt) => {
      // mDNS: dial LAN peers, sessions follow for every image we are fetching
      const addrs = evt.detail.multiaddrs.map((a) => a.toString())
      if (addrs.length > 0 && this.wantsPeers()) void this.dialPeer({ id: evt.detail.id.toString(), addrs })
    })
    this.started = true
    this.scheduleRedial(this.redialDelayMs)
    this.log.debug({ peer: this.peerId, addrs: this.addrs() }, 'node started')
  }

  async stop(): Promise<void> {
    clearTimeout(this.redialTimer)
    this.redialTimer = undefined
    for (const timer of this.pruneTimers.values()) clearTimeout(timer)
    this.pruneTimers.clear()
    this.dialQueue.clear()
    for (const image of this.images.values()) {
      image.transfer?.stop()
      image.server.stop()
      await image.swarm.stop()
    }
    if (this.started) await this.host.stop()
    for (const image of this.images.values()) await image.source.close().catch(() => {})
    this.images.clear()
    await this.store.close()
    this.started = false
  }

  // ---- publishing and serving -----------------------------------------------------------

  /** Chunks and signs `path`, records the manifest, and serves the image from that file. */
  async publish(path: string, init: { name: string; version: string; key: PublisherKey }): Promise<PublishedImage> {
    const published = await buildManifest(path, init)
    await this.store.putManifest(published.cid, published.bytes)
    const source = await this.store.openSeed(published.cid, published.manifest.manifest, path)
    this.host_(published.cid, published.manifest, source, true)
    return published
  }

  /** Serves an image already in the store (e.g. a seed restarted on the same data dir). */
  async serveStored(cid: string, trusted: Iterable<string>): Promise<void> {
    if (this.images.has(cid)) return
    const bytes = await this.store.getManifest(cid)
    const record = await this.store.image(cid)
    if (bytes === undefined || record === undefined || record.state !== 'complete') {
      throw new NotFoundError(`no complete image ${cid} in ${this.init.dataDir}`)
    }
    const manifest = openManifest(bytes, { expectedCid: parseManifestCid(cid), trusted: [...trusted] })
    const source =
      record.origin === 'seed'
        ? await this.store.openSeed(cid, manifest.manifest, record.path)
        : await this.store.openDownload(cid, manifest.manifest, record.partialPath ?? partialPathFor(record.path))
    this.host_(cid, manifest, source, record.origin === 'seed')
  }

  /**
   * Serves an image from a file on this host under a manifest signed elsewhere (the
   * coordinator's embedded seed serving what `imgswarm publish` registered). The manifest must
   * hash to `cid` and be signed by a trusted key; the file must have the manifest's size (its
   * content is the caller's to check, e.g. with `verifyFile`). Idempotent per CID.
   */
  async serveManifest(cidText: string, manifestBytes: Uint8Array, sourcePath: string, trusted: Iterable<string>): Promise<void> {
    const cid = parseManifestCid(cidText)
    if (this.images.has(cid.toString())) return
    const manifest = openManifest(manifestBytes, { expectedCid: cid, trusted: [...trusted] })
    await this.store.putManifest(cid.toString(), manifestBytes)
    const source = await this.store.openSeed(cid.toString(), manifest.manifest, sourcePath)
    this.host_(cid.toString(), manifest, source, true)
  }

  // ---- fetching -------------------------------------------------------------------------

  /**
   * Dials peers; returns how many answered. The addresses are remembered: while fetching, the
   * node redials them whenever its sessions run low (a peer restarted, sessions lost under load).
   */
  async connect(addrs: readonly string[]): Promise<number> {
    const results = await Promise.allSettled(
      addrs.map(async (a) => {
        const ma = multiaddr(a)
        this.rememberBootstrap(a)
        const conn = await this.host.dial(ma, { signal: AbortSignal.timeout(DEFAULT_DIAL_TIMEOUT_MS) })
        this.answeredAs(a, conn.remotePeer.toString())
        return conn
      }),
    )
    for (const [i, r] of results.entries()) {
      if (r.status === 'rejected') this.log.warn({ addr: addrs[i], err: (r.reason as Error).message }, 'peer unreachable')
    }
    return results.filter((r) => r.status === 'fulfilled').length
  }

  /**
   * Gets a manifest by CID from the store or from connected peers, and accepts it only if its
   * bytes hash to the CID and it is signed by a trusted publisher.
   */
  async fetchManifest(cidText: string, opts: { trusted: Iterable<string>; timeoutMs?: number }): Promise<FetchManifestResult> {
    const cid = parseManifestCid(cidText)
    const trusted = [...opts.trusted]
    const local = await this.store.getManifest(cid.toString())
    if (local !== undefined) return { manifest: openManifest(local, { expectedCid: cid, trusted }), bytes: local }

    const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_MANIFEST_TIMEOUT_MS)
    const failures: string[] = []
    const connections = this.host.getConnections()
    if (connections.length === 0) throw new NoPeersError(`cannot fetch manifest ${cid}: no peer is connected`)
    for (const conn of connections) {
      if (Date.now() > deadline) break
      try {
        const bytes = await fetchManifest(conn, cid, { signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())) })
        const manifest = openManifest(bytes, { expectedCid: cid, trusted })
        await this.store.putManifest(cid.toString(), bytes)
        return { manifest, bytes }
      } catch (err) {
        // trust and signature failures are final: another peer's copy has the same bytes
        if (isFinalManifestError(err)) throw err
        failures.push(`${conn.remotePeer.toString().slice(-8)}: ${(err as Error).message}`)
      }
    }
    throw new NotFoundError(`no connected peer could provide manifest ${cid} (${failures.join('; ')})`)
  }

  /**
   * Fetches the image named by `cid` into `out`, resuming from whatever was verified before,
   * and serving peers meanwhile. `manifest` is the verified manifest from `fetchManifest`.
   */
  async download(cidText: string, manifest: SignedManifest, opts: { out: string }): Promise<ImageTransfer> {
    const cid = parseManifestCid(cidText).toString()
    const download = await this.store.openDownload(cid, manifest.manifest, partialPathFor(opts.out), {
      flushChunks: this.init.transfer?.flushChunks,
      flushIntervalMs: this.init.transfer?.flushIntervalMs,
    })
    const hosted = this.host_(cid, manifest, download, false)
    const transfer = new ImageTransfer({
      ...this.init.transfer,
      swarm: hosted.swarm,
      download,
      manifest: manifest.manifest,
      out: opts.out,
      site: this.site,
      downloadRateBps: this.init.downloadRateBps,
      log: this.log,
    })
    hosted.transfer = transfer
    transfer.start()
    // open sessions with every peer we are already connected to
    for (const conn of this.host.getConnections()) void hosted.swarm.openSession(conn)
    return transfer
  }

  uploadStats(): UploadStats {
    let bytesUploaded = 0
    let chunksUploaded = 0
    for (const image of this.images.values()) {
      const s = image.server.stats()
      bytesUploaded += s.bytesUploaded
      chunksUploaded += s.chunksUploaded
    }
    return { bytesUploaded, chunksUploaded }
  }

  /** Number of peers with an open session, over all images. */
  peerCount(): number {
    const peers = new Set<string>()
    for (const image of this.images.values()) for (const s of image.swarm.sessionInfo()) peers.add(s.peer)
    return peers.size
  }

  isBanned(peer: string): boolean {
    return this.banned.has(peer)
  }

  redialStats(): RedialStats {
    return { ...this.redials }
  }

  connectionStats(): ConnectionStats {
    const connections = this.host.getConnections()
    const peers = new Set(connections.map((c) => c.remotePeer.toString()))
    return { connections: connections.length, peers: peers.size, duplicatesClosed: this.duplicatesClosed }
  }

  /** Sessions declined for being full, over all images (each dialer was referred to other peers). */
  sessionsDeclined(): number {
    let n = 0
    for (const image of this.images.values()) n += image.swarm.sessionsDeclined
    return n
  }

  // ---- internals ------------------------------------------------------------------------

  private host_(cid: string, manifest: SignedManifest, source: ImageSource, seed: boolean): HostedImage {
    const existing = this.images.get(cid)
    if (existing !== undefined) return existing
    const manifestCid: CID = parseManifestCid(cid)
    const swarm = new ImageSwarm(
      {
        localPeer: this.peerId,
        listenAddrs: () => this.addrs(),
        isBanned: (peer) => this.banned.has(peer),
        ban: (peer, reason) => this.ban(peer, reason),
        connectTo: (peer, image) => void this.dialPeer(peer, image),
        log: this.log,
      },
      {
        manifestCid,
        chunkCount: manifest.manifest.chunks.length,
        haves: () => source.verified.clone(),
        seed,
        site: this.site,
        maxPeers: this.init.maxPeers ?? DEFAULT_MAX_PEERS,
        declineCoolOffMs: this.init.declineCoolOffMs,
      },
    )
    const server = new ImageServer({
      ...this.init.transfer,
      swarm,
      source,
      seed,
      uploadRateBps: this.init.uploadRateBps,
      log: this.log,
    })
    server.start()
    swarm.start()
    const hosted: HostedImage = { swarm, server, source }
    this.images.set(cid, hosted)
    return hosted
  }

  private ban(peer: string, reason: string): void {
    if (this.banned.has(peer)) return
    this.banned.set(peer, reason)
    this.log.warn({ peer, reason }, 'banning peer')
    for (const image of this.images.values()) image.swarm.dropPeer(peer, 'banned')
    const conns = this.host.getConnections().filter((c) => c.remotePeer.toString() === peer)
    for (const c of conns) void c.close().catch(() => c.abort(new Error('banned')))
  }

  private wantsPeers(): boolean {
    for (const image of this.images.values()) if (image.transfer !== undefined && image.swarm.wantsMorePeers) return true
    return false
  }

  private onPeerConnect(peer: PeerId): void {
    // Sessions are opened by the side that fetches; the other side answers them.
    const conn = this.host.getConnections(peer)[0]
    if (conn === undefined) return
    for (const image of this.images.values()) {
      if (image.transfer !== undefined && image.swarm.wantsMorePeers) void image.swarm.openSession(conn)
    }
  }

  private rememberBootstrap(addr: string): void {
    setNewest(this.bootstrap, addr, this.bootstrap.get(addr), DEFAULT_MAX_BOOTSTRAP_ADDRS)
  }

  /** Records the peer a remembered bootstrap address answered as (forgotten addresses stay forgotten). */
  private answeredAs(addr: string, peer: string): void {
    if (this.bootstrap.has(addr)) this.bootstrap.set(addr, peer)
  }

  private get maxDials(): number {
    return this.init.maxConcurrentDials ?? DEFAULT_MAX_CONCURRENT_DIALS
  }

  /** A second connection to a peer: look again once both ends had time to settle their sessions. */
  private onConnectionOpen(connection: Connection): void {
    const peer = connection.remotePeer
    if (this.host.getConnections(peer).length > 1 && !this.pruneTimers.has(peer.toString())) this.schedulePrune(peer, 0)
  }

  private schedulePrune(peer: PeerId, attempt: number): void {
    const key = peer.toString()
    const timer = setTimeout(() => {
      this.pruneTimers.delete(key)
      if (!this.pruneDuplicateConnections(peer) && attempt + 1 < MAX_PRUNE_ATTEMPTS) this.schedulePrune(peer, attempt + 1)
    }, this.init.duplicateConnectionGraceMs ?? DEFAULT_DUPLICATE_CONNECTION_GRACE_MS)
    timer.unref()
    this.pruneTimers.set(key, timer)
  }

  /**
   * Closes the redundant open connections to `peer`: those that carry no stream, as long as
   * another one stays. When none carries a stream, the one dialled by the smaller peer id stays
   * (outbound here if that is us, inbound otherwise: the peer picks the same). A connection with a
   * stream (a session, a manifest fetch) is never closed. Returns whether one connection is left.
   */
  private pruneDuplicateConnections(peer: PeerId): boolean {
    if (!this.started) return true
    const open = this.host.getConnections(peer).filter((c) => c.status === 'open')
    if (open.length < 2) return true
    const busy = open.filter((c) => c.streams.length > 0)
    const preferred = this.peerId < peer.toString() ? 'outbound' : 'inbound'
    const keep = busy.length > 0 ? busy : [open.find((c) => c.direction === preferred) ?? open[0]]
    for (const c of open) {
      if (keep.includes(c)) continue
      this.duplicatesClosed++
      this.log.debug({ peer: peer.toString(), direction: c.direction }, 'closing a redundant connection')
      c.close().catch((err: Error) => c.abort(err))
    }
    return keep.length === 1
  }

  private async dialPeer(peer: PeerAddresses, image?: ImageSwarm): Promise<void> {
    if (this.banned.has(peer.id) || this.dialing.has(peer.id) || peer.id === this.peerId || !this.started) return
    if (image?.isCoolingOff(peer.id) === true) return
    if (this.dialing.size >= this.maxDials) {
      // bounded: what does not fit is forgotten here and found again by the redial rounds
      if (this.dialQueue.size < 4 * this.maxDials) this.dialQueue.set(peer.id, { peer, image })
      return
    }
    this.dialing.add(peer.id)
    try {
      const addrs = peer.addrs.map((a) => multiaddr(a))
      const conn: Connection = await this.host.dial(addrs, { signal: AbortSignal.timeout(DEFAULT_DIAL_TIMEOUT_MS) })
      if (image !== undefined) await image.openSession(conn)
    } catch (err) {
      this.log.debug({ peer: peer.id, err: (err as Error).message }, 'dial failed')
    } finally {
      this.dialing.delete(peer.id)
      this.drainDialQueue()
    }
  }

  /** Dials an address given to `connect` and opens a session for `image` over it. */
  private async dialBootstrap(addr: string, image: ImageSwarm): Promise<void> {
    if (this.dialing.has(addr) || !this.started) return
    this.dialing.add(addr)
    try {
      const conn = await this.host.dial(multiaddr(addr), { signal: AbortSignal.timeout(DEFAULT_DIAL_TIMEOUT_MS) })
      const peer = conn.remotePeer.toString()
      this.answeredAs(addr, peer)
      if (!this.banned.has(peer)) await image.openSession(conn)
    } catch (err) {
      this.log.debug({ addr, err: (err as Error).message }, 'redial failed')
    } finally {
      this.dialing.delete(addr)
      this.drainDialQueue()
    }
  }

  private drainDialQueue(): void {
    for (const [id, { peer, image }] of this.dialQueue) {
      if (this.dialing.size >= this.maxDials) return
      this.dialQueue.delete(id)
      if (image !== undefined && (!image.wantsMorePeers || image.hasSession(id))) continue
      void this.dialPeer(peer, image)
    }
  }

  // ---- reconnecting ---------------------------------------------------------------------

  private scheduleRedial(delayMs: number): void {
    clearTimeout(this.redialTimer)
    this.redialTimer = setTimeout(() => this.redialRound(), delayMs)
    this.redialTimer.unref()
  }

  /**
   * One redial round: every image being fetched whose sessions fell below the floor (fewer than
   * min(minSessions, peers known) while chunks are missing) dials the addresses given to
   * `connect` and the peers learnt by peer exchange that it has no session with, within the
   * free dial slots. Rounds back off (redialMinMs doubling to redialMaxMs) and the pause resets
   * when chunks arrive or the floor is met.
   */
  private redialRound(): void {
    if (!this.started) return
    const min = this.init.redialMinMs ?? DEFAULT_REDIAL_MIN_MS
    const max = this.init.redialMaxMs ?? DEFAULT_REDIAL_MAX_MS
    let needy = false
    let verified = 0
    try {
      for (const image of this.images.values()) {
        if (image.transfer === undefined) continue
        const have = image.source.verified.count
        verified += have
        if (have >= image.swarm.chunkCount) continue
        if (this.redialImage(image.swarm)) needy = true
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'redial round failed')
    }
    if (!needy || verified > this.lastVerified) this.redialDelayMs = min
    this.lastVerified = verified
    this.scheduleRedial(this.redialDelayMs)
    if (needy) this.redialDelayMs = Math.min(this.redialDelayMs * 2, max)
  }

  /** Redials for one image if it is below its floor; says whether it was. */
  private redialImage(swarm: ImageSwarm): boolean {
    // addresses given to `connect`, grouped by the peer they name or answered as
    const given = new Map<string, string[]>()
    const anonymous: string[] = []
    for (const [addr, answered] of this.bootstrap) {
      const id = answered ?? peerIdOf(addr)
      if (id === undefined) anonymous.push(addr)
      else if (id !== this.peerId && !this.banned.has(id)) given.set(id, [...(given.get(id) ?? []), withPeerId(addr, id)])
    }
    const learnt = swarm.knownPeers().filter((p) => p.id !== this.peerId && !given.has(p.id))
    const known = given.size + anonymous.length + learnt.length
    const floor = Math.min(this.init.minSessions ?? DEFAULT_MIN_SESSIONS, known)
    if (swarm.peerCount >= floor) return false
    this.redials.rounds++
    const free = (id: string): boolean => !swarm.hasSession(id) && !this.dialing.has(id) && !swarm.isCoolingOff(id)
    const candidates = [
      ...anonymous.filter((addr) => !this.dialing.has(addr)).map((addr) => () => this.dialBootstrap(addr, swarm)),
      ...[...given].filter(([id]) => free(id)).map(([id, addrs]) => () => this.dialPeer({ id, addrs }, swarm)),
      ...shuffle(learnt.filter((p) => free(p.id))).map((p) => () => this.dialPeer(p, swarm)),
    ]
    this.log.debug({ sessions: swarm.peerCount, floor, candidates: candidates.length }, 'below session floor; redialling')
    for (const dial of candidates) {
      if (this.dialing.size >= this.maxDials) break
      this.redials.dials++
      void dial()
    }
    return true
  }

  private async onManifestStream(stream: Stream): Promise<void> {
    try {
      await handleManifestStream(stream, (cid) => this.store.getManifest(cid.toString()))
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'manifest stream failed')
    }
  }

  private async onChunkStream(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    const channel = new MessageChannel(stream)
    try {
      if (this.banned.has(peer)) {
        await channel.goodbye('banned')
        return
      }
      const hello = await channel.read({ signal: AbortSignal.timeout(DEFAULT_HELLO_TIMEOUT_MS) })
      if (hello === undefined || hello.type !== 'hello') {
        // the peer closed, or said goodbye, before its Hello: close our side too
        await channel.close({ signal: AbortSignal.timeout(DEFAULT_GOODBYE_TIMEOUT_MS) })
        return
      }
      const image = this.images.get(hello.manifest.toString())
      if (image === undefined) {
        await channel.goodbye('unknown-manifest')
        return
      }
      await image.swarm.acceptSession(channel, connection, hello)
    } catch (err) {
      this.log.debug({ peer, err: (err as Error).message }, 'inbound session failed')
      channel.abort(err as Error)
    }
  }
}

/** Rejects tunables that would stall or flood the node, naming the field. */
function checkInit(init: SwarmNodeInit): void {
  const positive: Array<keyof SwarmNodeInit> = ['maxPeers', 'redialMinMs', 'redialMaxMs', 'maxConcurrentDials', 'declineCoolOffMs', 'duplicateConnectionGraceMs']
  for (const field of positive) {
    const v = init[field]
    if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v))) {
      throw new InvalidInputError(`SwarmNodeInit.${field} must be a positive number, got ${String(v)}`)
    }
  }
  if (init.minSessions !== undefined && !(Number.isInteger(init.minSessions) && init.minSessions >= 0)) {
    throw new InvalidInputError(`SwarmNodeInit.minSessions must be a whole number >= 0, got ${String(init.minSessions)}`)
  }
  if ((init.redialMaxMs ?? DEFAULT_REDIAL_MAX_MS) < (init.redialMinMs ?? DEFAULT_REDIAL_MIN_MS)) {
    throw new InvalidInputError(`SwarmNodeInit.redialMaxMs must be at least redialMinMs`)
  }
}

/** The peer id an address names (`.../p2p/<id>`), if any. */
function peerIdOf(addr: string): string | undefined {
  return /\/p2p\/([^/]+)$/.exec(addr)?.[1]
}

function withPeerId(addr: string, id: string): string {
  return addr.includes('/p2p/') ? addr : `${addr}/p2p/${id}`
}

function isFinalManifestError(err: unknown): boolean {
  const name = (err as Error)?.name
  return name === 'UntrustedPublisherError' || name === 'ManifestSignatureError'
}
