import '@imgswarm/core/polyfills'
import { mkdir } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname, resolve } from 'node:path'
import type { SignedManifest } from '@imgswarm/core'
import { ImageStateError, partialPathFor, verifyFile, type MetadataSublevel } from '@imgswarm/chunk-store'
import { isChunkValid } from '@imgswarm/chunker'
import {
  CoordinatorClient,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type ImageRef,
  type PeerHint,
} from '@imgswarm/coordinator-client'
import { decodeSignedManifest, openManifest, parseManifestCid } from '@imgswarm/manifest'
import { SwarmNode, type ImageTransfer, type SwarmNodeInit, type TransferInit } from '@imgswarm/swarm-node'
import { pino, type Logger } from 'pino'
import { AgentMetrics } from './agent-metrics.js'
import type { AgentStatus, AgentTotals, FetchProgress } from './agent-status.js'
import { backoffDelay, sleep, systemClock, type AgentClock, type TimerHandle } from './clock.js'
import {
  ACTIVATION_SUBLEVEL,
  AGENT_SUBLEVEL,
  DEFAULT_COORDINATOR_TIMEOUT_MS,
  DEFAULT_FAILURE_RETRY_MS,
  DEFAULT_HINTS_INTERVAL_MS,
  DEFAULT_HINTS_LIMIT,
  DEFAULT_MIN_PEERS,
  DEFAULT_VERIFY_BEFORE_ACTIVATE,
  ENROLMENT_FILE,
} from './constants.js'
import { EnrolmentFile, ensureEnrolled, isTransient, type StoredEnrolment } from './enrolment.js'
import { AgentConfigError, AgentStoppedError, ImageVerificationError } from './errors.js'
import { fsError } from './fs-errors.js'
import { HeartbeatLoop } from './heartbeat-loop.js'
import { ImageActivator, type KeptImage } from './image-activator.js'
import { reuseLocalChunks, type ReuseSource } from './local-chunk-reuse.js'

export interface EdgeAgentInit {
  /** Base URL of the coordinator, e.g. `http://10.0.0.5:7700`. */
  coordinatorUrl: string
  /** Needed only until the node has enrolled once (then its credential in the data dir is used). */
  enrolmentToken?: string
  /** Node identity, level metadata, enrolment file, images and the `current`/`previous` links. */
  dataDir: string
  /** Labels such as `{ site: 'plant-3', region: 'eu' }`: rollout selectors and peer locality. */
  labels?: Record<string, string>
  /** Display name at the coordinator (default: the host name). */
  name?: string
  listen?: string[]
  announce?: string[]
  /** Also find LAN peers by mDNS. */
  mdns?: boolean
  uploadRateBps?: number
  downloadRateBps?: number
  maxPeers?: number
  logger?: Logger
  /** Until the coordinator's first answer names its own. */
  heartbeatIntervalMs?: number
  /** Backoff of heartbeats and of the first enrolment while the coordinator is unreachable. */
  retryMinMs?: number
  retryMaxMs?: number
  /** First wait before retrying an image that failed (doubles per failure, up to 16 times this). */
  failureRetryMs?: number
  /** While fetching, how often to look at the peer count and ask for more peers. */
  hintsIntervalMs?: number
  /** Ask for more peers while fetching with fewer than this. */
  minPeers?: number
  hintsLimit?: number
  coordinatorTimeoutMs?: number
  /** Re-read and check every chunk of a fetched image before activating it (default true). */
  verifyBeforeActivate?: boolean
  /** Copy chunks a new version shares with the kept versions instead of fetching them (default true). */
  reuseLocalChunks?: boolean
  /** Export process metrics too (CLI: yes; tests with many agents: no). */
  processMetrics?: boolean
  clock?: AgentClock
  random?: () => number
  /** Scheduler and store tunables (tests, benchmarks). */
  transfer?: Partial<TransferInit>
  /** Replaces the global fetch for coordinator calls (tests). */
  fetch?: typeof fetch
  /** Makes the swarm node (tests inject; default `SwarmNode.create`). */
  createNode?: (init: SwarmNodeInit) => Promise<SwarmNode>
}

/** What the coordinator last asked for, remembered across restarts (work goes on while it is down). */
interface Desired {
  image: ImageRef | null
  rollback: boolean
  rolloutId: string | null
}

interface Job {
  cid: string
  ref: ImageRef
  rollback: boolean
  rolloutId: string | null
  phase: 'downloading' | 'verifying'
  abort: AbortController
  bytesTotal: number
  transfer?: ImageTransfer
  /** The transfer's counters were added to the totals (once). */
  counted: boolean
  done?: Promise<void>
}

interface Failure {
  cid: string
  rolloutId: string | null
  reason: string
  count: number
  retryAt: number
}

const DESIRED_KEY = 'desired'
const PEERS_KEY = 'peers'
const MAX_ERROR_LENGTH = 2000
const MAX_ADDRS = 32

/**
 * The edge agent. It joins the coordinator by itself (enrols once, then uses the credential kept
 * in the data dir), heartbeats its progress, and does what the answers ask: when the desired
 * image differs from the active one it reactivates a kept version (a rollback: links only, no
 * download) or fetches it from the swarm (manifest from the coordinator, verified against the
 * trusted publishers; peers from the coordinator's hints and mDNS), verifies it, and activates
 * it atomically, keeping the one it replaces. It serves what it has to peers all the while, and
 * goes on fetching from peers while the coordinator is down. A failure is reported with its
 * reason and retried after a backoff or when the coordinator asks for something else.
 */
export class EdgeAgent {
  readonly metrics: AgentMetrics
  private readonly init: EdgeAgentInit
  private readonly log: Logger
  private readonly clock: AgentClock
  private readonly dataDir: string
  private readonly labels: Record<string, string>
  private readonly name: string
  private readonly base: CoordinatorClient
  private readonly lifetime = new AbortController()
  private node!: SwarmNode
  private activator!: ImageActivator
  private memory!: MetadataSublevel<unknown>
  private enrolmentFile: EnrolmentFile
  private enrolment?: StoredEnrolment
  private client?: CoordinatorClient
  private loop?: HeartbeatLoop
  private desired?: Desired
  private job?: Job
  /** The last counted transfer's sources, reported while its image is active and no job runs. */
  private lastTransfer?: { cid: string; bytesFromSeed: number; bytesFromPeers: number }
  private failure?: Failure
  private retryTimer?: TimerHandle
  private needsUpdate = true
  private stopping = false
  private starting?: Promise<void>
  private stopped?: Promise<void>
  private uploadedByOldNodes = 0
  private readonly totals: AgentTotals = {
    bytesDownloaded: 0,
    bytesFromSeeds: 0,
    bytesFromPeers: 0,
    bytesReused: 0,
    bytesUploaded: 0,
    chunksVerified: 0,
    chunksRejected: 0,
    fetches: 0,
    activations: 0,
    rollbacks: 0,
    failures: 0,
  }

  /** Checks the options; nothing starts before `start()`. */
  constructor(init: EdgeAgentInit) {
    if (typeof init.dataDir !== 'string' || init.dataDir.trim() === '') throw new AgentConfigError('a data directory is required (--data-dir)')
    try {
      this.base = new CoordinatorClient({
        url: init.coordinatorUrl,
        timeoutMs: init.coordinatorTimeoutMs ?? DEFAULT_COORDINATOR_TIMEOUT_MS,
        fetch: init.fetch,
      })
    } catch (err) {
      throw new AgentConfigError(`--coordinator: ${(err as Error).message}`)
    }
    this.init = init
    this.log = init.logger ?? pino({ level: 'silent' })
    this.clock = init.clock ?? systemClock
    this.dataDir = resolve(init.dataDir)
    this.labels = { ...init.labels }
    this.name = init.name ?? defaultName()
    this.enrolmentFile = new EnrolmentFile(resolve(this.dataDir, ENROLMENT_FILE))
    this.metrics = new AgentMetrics(() => this.status(), { processMetrics: init.processMetrics })
  }

  /**
   * Starts the swarm node (serving the kept versions at once), enrols if this node never has
   * (waiting, with backoff, for an unreachable coordinator; `stop()` ends the wait with
   * `AgentStoppedError`), then heartbeats. Resumes work the coordinator asked for before a restart.
   */
  static async start(init: EdgeAgentInit): Promise<EdgeAgent> {
    const agent = new EdgeAgent(init)
    await agent.start()
    return agent
  }

  /** See `EdgeAgent.start`. `stop()` may be called while this runs (it then rejects with `AgentStoppedError`). */
  async start(): Promise<void> {
    if (this.starting !== undefined) return this.starting
    this.starting = this.run()
    return this.starting
  }

  /** True once `start()` has finished and until `stop()`. */
  get running(): boolean {
    return this.loop !== undefined && !this.stopping
  }

  get nodeId(): string | undefined {
    return this.enrolment?.nodeId
  }

  get peerId(): string {
    return this.node.peerId
  }

  addrs(): string[] {
    return this.node.addrs()
  }

  /** The `current` link: the path consumers open to use the active image. */
  get currentPath(): string {
    return this.activator.currentLink
  }

  /** The `previous` link: the version kept for rollback. */
  get previousPath(): string {
    return this.activator.previousLink
  }

  status(): AgentStatus {
    const job = this.job
    const active = this.activator?.current
    const previous = this.activator?.previous
    const failure = this.failure
    const failed = job === undefined && failure !== undefined && this.desired?.image?.manifestCid === failure.cid
    const progress = this.progress(failed)
    const base = {
      nodeId: this.enrolment?.nodeId,
      peerId: this.node?.peerId ?? '',
      addrs: this.node?.addrs() ?? [],
      desired: this.desired?.image,
      rollback: this.desired?.rollback ?? false,
      active,
      previous,
      progress,
      coordinator: this.loop?.stats() ?? { sent: 0, failed: 0, failingSince: 0, reachable: undefined },
      totals: this.currentTotals(),
    }
    if (job !== undefined) return { ...base, state: job.phase, manifestCid: job.cid }
    if (failed) return { ...base, state: 'failed', manifestCid: failure.cid, error: failure.reason }
    if (active !== undefined) return { ...base, state: 'active', manifestCid: active.manifestCid }
    return { ...base, state: 'idle' }
  }

  /** Stops heartbeats and any fetch (resumable later), then the swarm node. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown()
    return this.stopped
  }

  private async shutdown(): Promise<void> {
    this.stopping = true
    this.lifetime.abort(new AgentStoppedError('the agent is stopping'))
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer)
    await this.loop?.stop()
    const job = this.job
    if (job !== undefined) {
      this.cancel(job, 'the agent is stopping')
      await job.done
    }
    await this.node?.stop()
    this.log.info('agent stopped')
  }

  // ---- start-up -------------------------------------------------------------------------

  private async run(): Promise<void> {
    try {
      await mkdir(this.dataDir, { recursive: true }).catch((err) => {
        throw fsError(err, `creating data directory ${this.dataDir}`, this.dataDir)
      })
      await this.startNode()
      const { enrolment } = await ensureEnrolled({
        file: this.enrolmentFile,
        coordinatorUrl: this.base.url,
        enrolmentToken: this.init.enrolmentToken,
        identity: this.identity(),
        client: (token) => this.base.withToken(token),
        retryMinMs: this.init.retryMinMs,
        retryMaxMs: this.init.retryMaxMs,
        random: this.init.random,
        clock: this.clock,
        signal: this.lifetime.signal,
        log: this.log,
      })
      this.enrolment = enrolment
      this.client = this.base.withToken(enrolment.credential)
      await this.serveKept()
      const remembered = (await this.memory.get(DESIRED_KEY).catch(() => undefined)) as Desired | undefined
      if (remembered !== undefined) this.desired = remembered
      if (this.stopping) throw new AgentStoppedError('stopped while starting')
      this.loop = new HeartbeatLoop({
        beat: (signal) => this.beat(signal),
        onResponse: (response) => this.onHeartbeat(response),
        intervalMs: this.init.heartbeatIntervalMs,
        retryMinMs: this.init.retryMinMs,
        retryMaxMs: this.init.retryMaxMs,
        random: this.init.random,
        clock: this.clock,
        log: this.log,
      })
      this.loop.start()
      this.log.info(
        { nodeId: enrolment.nodeId, peerId: this.node.peerId, addrs: this.node.addrs(), active: this.activator.current?.manifestCid },
        'agent started',
      )
      // work asked for before a restart goes on even if the coordinator is down now
      this.reconcile()
    } catch (err) {
      await this.stop().catch(() => undefined)
      throw err
    }
  }

  private async startNode(): Promise<void> {
    const create = this.init.createNode ?? ((init: SwarmNodeInit) => SwarmNode.create(init))
    const node = await create({
      dataDir: this.dataDir,
      listen: this.init.listen,
      announce: this.init.announce,
      mdns: this.init.mdns === true,
      labels: this.labels,
      uploadRateBps: this.init.uploadRateBps,
      downloadRateBps: this.init.downloadRateBps,
      maxPeers: this.init.maxPeers,
      logger: this.log,
      transfer: this.init.transfer,
    })
    try {
      await node.start()
      this.activator = await ImageActivator.open({
        dataDir: this.dataDir,
        db: node.store.sublevel(ACTIVATION_SUBLEVEL),
        now: () => this.clock.now(),
        log: this.log,
      })
      this.memory = node.store.sublevel(AGENT_SUBLEVEL)
      if (this.stopping) throw new AgentStoppedError('stopped while starting')
    } catch (err) {
      await node.stop().catch(() => undefined)
      throw err
    }
    this.node = node
  }

  /** Serves the active and the previous version to peers (after a start or a node restart). */
  private async serveKept(): Promise<void> {
    for (const image of [this.activator.current, this.activator.previous]) {
      if (image === undefined) continue
      try {
        await this.node.serveStored(image.manifestCid, this.trusted())
      } catch (err) {
        this.log.warn({ manifestCid: image.manifestCid, err: (err as Error).message }, 'cannot serve a kept image to peers')
      }
    }
  }

  /**
   * Replaces the swarm node by a fresh one on the same data dir. The node has no way to drop one
   * image, and an image whose fetch was stopped or failed stays open in it: fetching it again
   * needs a fresh node. Rare (a failure, or a change of target mid-fetch).
   */
  private async restartNode(): Promise<void> {
    this.log.info('restarting the swarm node to fetch an image again')
    const old = this.node
    const uploaded = old.uploadStats().bytesUploaded
    await old.stop()
    this.uploadedByOldNodes += uploaded
    await this.startNode()
    await this.serveKept()
    this.needsUpdate = true // the addresses may have changed
  }

  // ---- coordinator ----------------------------------------------------------------------

  private identity(): { name: string; labels: Record<string, string>; peerId: string; addrs: string[] } {
    return { name: this.name, labels: this.labels, peerId: this.node.peerId, addrs: this.node.addrs().slice(0, MAX_ADDRS) }
  }

  private async beat(signal: AbortSignal): Promise<HeartbeatResponse> {
    const client = this.client as CoordinatorClient
    const nodeId = this.enrolment?.nodeId as string
    if (this.needsUpdate) {
      await client.updateNode(nodeId, this.identity(), { signal })
      this.needsUpdate = false
    }
    return client.heartbeat(nodeId, this.heartbeatBody(), { signal })
  }

  private heartbeatBody(): HeartbeatRequest {
    const s = this.status()
    const body: HeartbeatRequest = {
      state: s.state,
      bytesDone: Math.round(s.progress.bytesDone),
      bytesTotal: Math.round(s.progress.bytesTotal),
      rate: Math.max(0, Math.round(s.progress.rate)),
      peers: s.progress.peers,
      bytesFromSeed: Math.round(s.progress.bytesFromSeed),
      bytesFromPeers: Math.round(s.progress.bytesFromPeers),
      peerId: s.peerId,
      addrs: s.addrs.slice(0, MAX_ADDRS),
    }
    if (s.manifestCid !== undefined) body.manifestCid = s.manifestCid
    if (s.error !== undefined) body.error = s.error.slice(0, MAX_ERROR_LENGTH)
    if (s.active !== undefined) body.activeManifestCid = s.active.manifestCid
    if (s.previous !== undefined) body.previousManifestCid = s.previous.manifestCid
    return body
  }

  private async onHeartbeat(response: HeartbeatResponse): Promise<void> {
    const enrolment = this.enrolment
    if (enrolment !== undefined && !sameSet(enrolment.trustedPublishers, response.trustedPublishers)) {
      this.enrolment = { ...enrolment, trustedPublishers: [...response.trustedPublishers] }
      await this.enrolmentFile.save(this.enrolment).catch((err) => this.log.warn({ err: (err as Error).message }, 'cannot save trusted publishers'))
    }
    const desired: Desired = { image: response.desired, rollback: response.rollback, rolloutId: response.rolloutId }
    if (!sameDesired(this.desired, desired)) {
      this.desired = desired
      this.log.info(
        { desired: desired.image, rollback: desired.rollback, rolloutId: desired.rolloutId },
        desired.image === null ? 'the coordinator wants no image here' : `the coordinator wants ${desired.image.name} ${desired.image.version}`,
      )
      await this.memory.put(DESIRED_KEY, desired).catch((err) => this.log.warn({ err: (err as Error).message }, 'cannot remember the desired image'))
    }
    this.reconcile()
  }

  private trusted(): string[] {
    return this.enrolment?.trustedPublishers ?? []
  }

  // ---- what to do -----------------------------------------------------------------------

  /** Compares what is wanted with what is active and under way, and starts or stops work. */
  private reconcile(): void {
    if (this.stopping) return
    const want = this.desired?.image
    const job = this.job
    if (want === undefined || want === null) {
      if (job !== undefined) this.cancel(job, 'the coordinator no longer wants it')
      return
    }
    const cid = want.manifestCid
    if (this.activator.current?.manifestCid === cid) {
      if (job !== undefined) this.cancel(job, 'the wanted image is active already')
      this.failure = undefined
      return
    }
    if (job !== undefined) {
      // a job on another image is stopped; when it has ended, reconcile runs again
      if (job.cid !== cid) this.cancel(job, `the coordinator now wants ${cid}`)
      return
    }
    const failure = this.failure
    if (failure !== undefined && failure.cid === cid && failure.rolloutId === this.desired?.rolloutId && this.clock.now() < failure.retryAt) return
    this.begin(want, this.desired?.rollback === true, this.desired?.rolloutId ?? null)
  }

  private begin(ref: ImageRef, rollback: boolean, rolloutId: string | null): void {
    const job: Job = { cid: ref.manifestCid, ref, rollback, rolloutId, phase: 'downloading', abort: new AbortController(), bytesTotal: 0, counted: false }
    this.job = job
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer)
    job.done = this.work(job).then(
      () => {
        this.failure = undefined
      },
      (err: unknown) => this.failed(job, err),
    ).finally(() => {
      this.countTransfer(job)
      this.job = undefined
      this.loop?.trigger()
      this.reconcile()
    })
    this.loop?.trigger()
  }

  private cancel(job: Job, why: string): void {
    if (job.abort.signal.aborted) return
    this.log.info({ manifestCid: job.cid, why }, 'stopping work on an image')
    job.abort.abort(new AgentStoppedError(why))
    job.transfer?.stop()
  }

  private failed(job: Job, err: unknown): void {
    if (job.abort.signal.aborted) return // stopped on purpose: not a failure
    const reason = (err as Error)?.message ?? String(err)
    const count = this.failure?.cid === job.cid ? this.failure.count + 1 : 1
    const failureRetryMs = this.init.failureRetryMs ?? DEFAULT_FAILURE_RETRY_MS
    const wait = backoffDelay(count, { minMs: failureRetryMs, maxMs: failureRetryMs * 16, jitter: 0.1, random: this.init.random })
    this.failure = { cid: job.cid, rolloutId: job.rolloutId, reason, count, retryAt: this.clock.now() + wait }
    this.totals.failures++
    this.log.error({ manifestCid: job.cid, err: reason, retryInMs: wait }, `${job.ref.name} ${job.ref.version} failed`)
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer)
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined
      this.reconcile()
    }, wait)
  }

  // ---- the work on one image ------------------------------------------------------------

  private async work(job: Job): Promise<void> {
    const kept = await this.activator.kept(job.cid)
    if (kept !== undefined) {
      // a version this node keeps (a rollback, or a return to it): switch links, fetch nothing
      job.phase = 'verifying'
      await this.activate(job, kept)
      return
    }
    if (job.rollback) this.log.warn({ manifestCid: job.cid }, 'the rollback target is not kept here: fetching it')
    const manifest = await step('fetching the manifest', () => this.manifest(job))
    const image = manifest.manifest
    job.bytesTotal = image.size
    const out = this.activator.pathFor({ name: image.name, version: image.version, manifestCid: job.cid })
    await mkdir(dirname(out), { recursive: true }).catch((err) => {
      throw fsError(err, `creating image directory ${dirname(out)}`, dirname(out))
    })
    this.throwIfStopped(job)
    const transfer = await step('starting the download', () => this.download(job, manifest, out))
    await step('downloading', () => this.follow(job, transfer))
    this.countTransfer(job)

    job.phase = 'verifying'
    this.loop?.trigger()
    if (this.init.verifyBeforeActivate ?? DEFAULT_VERIFY_BEFORE_ACTIVATE) {
      const check = await step('verifying', () => verifyFile(out, image, (ref, bytes) => isChunkValid(ref.cid, bytes)))
      if (!check.ok) {
        throw new ImageVerificationError(
          `verifying ${out}: ${check.badChunks.length > 0 ? `${check.badChunks.length} chunks do not match the manifest` : `size ${check.size} is not ${image.size}`}`,
        )
      }
    }
    this.throwIfStopped(job)
    const installed = await this.activator.install({ manifestCid: job.cid, name: image.name, version: image.version, path: out, size: image.size })
    await this.activate(job, installed)
  }

  private async activate(job: Job, image: KeptImage): Promise<void> {
    this.throwIfStopped(job)
    const back = job.rollback || this.activator.previous?.manifestCid === image.manifestCid
    await step('activating', () => this.activator.activate(image.manifestCid, back ? 'rollback' : 'activate'))
    this.totals.activations++
    if (back) this.totals.rollbacks++
    this.failure = undefined
    this.log.info({ manifestCid: image.manifestCid, path: this.activator.currentLink, rollback: back }, `${image.name} ${image.version} is active`)
    await this.node.serveStored(image.manifestCid, this.trusted()).catch((err) =>
      this.log.warn({ err: (err as Error).message }, 'cannot serve the active image to peers'),
    )
    await this.activator.prune().catch((err) => this.log.warn({ err: (err as Error).message }, 'cannot remove old image versions'))
  }

  /** The signed manifest, verified against the trusted publishers: from the store, the coordinator, or peers. */
  private async manifest(job: Job): Promise<SignedManifest> {
    const trusted = this.trusted()
    if (trusted.length === 0) throw new AgentConfigError('no trusted publisher keys are known: the coordinator has not named any')
    const expectedCid = parseManifestCid(job.cid)
    const local = await this.node.store.getManifest(job.cid)
    if (local !== undefined) return openManifest(local, { expectedCid, trusted })
    try {
      const view = await (this.client as CoordinatorClient).getManifest(job.cid, { signal: job.abort.signal })
      const bytes = new Uint8Array(Buffer.from(view.manifest, 'base64'))
      // never act on bytes that are not the CID asked for and signed by a trusted publisher
      const manifest = openManifest(bytes, { expectedCid, trusted })
      await this.node.store.putManifest(job.cid, bytes)
      return manifest
    } catch (err) {
      if (!isTransient(err) || job.abort.signal.aborted) throw err
      this.log.warn({ manifestCid: job.cid }, 'coordinator unreachable: asking peers for the manifest')
      await this.connectRemembered()
      return (await this.node.fetchManifest(job.cid, { trusted })).manifest
    }
  }

  private async download(job: Job, manifest: SignedManifest, out: string): Promise<ImageTransfer> {
    await this.findPeers(job)
    for (let attempt = 1; ; attempt++) {
      try {
        if (this.init.reuseLocalChunks !== false) await this.reuse(job, manifest, out)
        const transfer = await this.node.download(job.cid, manifest, { out })
        job.transfer = transfer
        this.totals.fetches++
        return transfer
      } catch (err) {
        // the image is still open from an attempt that failed or was stopped: a fresh node can fetch it
        if (!(err instanceof ImageStateError) || attempt > 1) throw err
        this.throwIfStopped(job)
        await this.restartNode()
        await this.findPeers(job)
      }
    }
  }

  /** Fills the new version's partial file with the chunks the kept versions share with it. */
  private async reuse(job: Job, manifest: SignedManifest, out: string): Promise<void> {
    const sources: ReuseSource[] = []
    for (const kept of [this.activator.current, this.activator.previous]) {
      if (kept === undefined) continue
      const bytes = await this.node.store.getManifest(kept.manifestCid)
      if (bytes === undefined) continue
      sources.push({ path: resolve(this.dataDir, kept.file), manifest: decodeSignedManifest(bytes).manifest })
    }
    if (sources.length === 0) return
    const target = await this.node.store.openDownload(job.cid, manifest.manifest, partialPathFor(out))
    try {
      if (target.finalized) return
      const reused = await reuseLocalChunks(target, sources)
      if (reused.chunks > 0) {
        this.totals.bytesReused += reused.bytes
        this.log.info({ manifestCid: job.cid, chunks: reused.chunks, bytes: reused.bytes }, 'reused chunks of kept versions')
      }
    } finally {
      await target.close()
    }
  }

  /** Waits for the transfer, asking for more peers now and then while there are few. */
  private async follow(job: Job, transfer: ImageTransfer): Promise<void> {
    const interval = this.init.hintsIntervalMs ?? DEFAULT_HINTS_INTERVAL_MS
    const minPeers = this.init.minPeers ?? DEFAULT_MIN_PEERS
    let finished = false
    const done = transfer.done.finally(() => (finished = true))
    done.catch(() => undefined) // awaited below; a stop must not leave it unhandled
    try {
      while (!finished) {
        const tick = sleep(interval, job.abort.signal, this.clock)
        tick.catch(() => undefined)
        await Promise.race([done, tick])
        if (!finished && transfer.progress().peers < minPeers) await this.findPeers(job)
      }
      await done
    } catch (err) {
      transfer.stop()
      throw job.abort.signal.aborted ? job.abort.signal.reason : err
    }
  }

  /** Asks the coordinator for peers (same site first, then others, then seeds) and dials them. */
  private async findPeers(job: Job): Promise<void> {
    let addrs: string[]
    try {
      const { peers } = await (this.client as CoordinatorClient).hints(job.cid, this.init.hintsLimit ?? DEFAULT_HINTS_LIMIT, {
        signal: job.abort.signal,
      })
      addrs = orderHints(peers)
        .filter((p) => p.peerId !== this.node.peerId)
        .flatMap((p) => p.addrs.map((a) => withPeerId(a, p.peerId)))
      await this.memory.put(PEERS_KEY, addrs).catch(() => undefined)
    } catch (err) {
      if (job.abort.signal.aborted) return
      this.log.debug({ err: (err as Error).message }, 'no peer hints from the coordinator; trying peers known before')
      addrs = await this.rememberedPeers()
    }
    if (addrs.length === 0) return
    const reachable = await this.node.connect(addrs)
    this.log.debug({ manifestCid: job.cid, asked: addrs.length, reachable }, 'dialled hinted peers')
  }

  private async connectRemembered(): Promise<void> {
    const addrs = await this.rememberedPeers()
    if (addrs.length > 0) await this.node.connect(addrs)
  }

  private async rememberedPeers(): Promise<string[]> {
    const addrs = (await this.memory.get(PEERS_KEY).catch(() => undefined)) as string[] | undefined
    return Array.isArray(addrs) ? addrs.filter((a) => !a.endsWith(`/p2p/${this.node.peerId}`)) : []
  }

  private throwIfStopped(job: Job): void {
    if (job.abort.signal.aborted) throw job.abort.signal.reason
  }

  // ---- counters -------------------------------------------------------------------------

  private progress(failed: boolean): FetchProgress {
    const job = this.job
    const peers = this.node?.peerCount() ?? 0
    if (job === undefined) {
      const current = this.activator?.current
      const size = failed ? 0 : (current?.size ?? 0)
      // where the active image's bytes came from, as its transfer counted them (this run's only)
      const last = this.lastTransfer?.cid === current?.manifestCid ? this.lastTransfer : undefined
      return { bytesDone: size, bytesTotal: size, rate: 0, peers, bytesFromSeed: last?.bytesFromSeed ?? 0, bytesFromPeers: last?.bytesFromPeers ?? 0 }
    }
    const p = job.transfer?.progress()
    const s = job.transfer?.stats()
    const total = p?.bytesTotal ?? job.bytesTotal
    return {
      bytesDone: job.phase === 'verifying' ? total : (p?.bytesDone ?? 0),
      bytesTotal: total,
      rate: job.phase === 'verifying' ? 0 : (p?.rateBps ?? 0),
      peers: p?.peers ?? peers,
      bytesFromSeed: s?.bytesFromSeeds ?? 0,
      bytesFromPeers: s?.bytesFromPeers ?? 0,
    }
  }

  /** Adds a finished transfer's counters to the totals, once. */
  private countTransfer(job: Job): void {
    if (job.transfer === undefined || job.counted) return
    job.counted = true
    add(this.totals, job.transfer)
    const s = job.transfer.stats()
    this.lastTransfer = { cid: job.cid, bytesFromSeed: s.bytesFromSeeds, bytesFromPeers: s.bytesFromPeers }
  }

  private currentTotals(): AgentTotals {
    const totals = { ...this.totals }
    const job = this.job
    if (job?.transfer !== undefined && !job.counted) add(totals, job.transfer)
    totals.bytesUploaded = this.uploadedByOldNodes + (this.node?.uploadStats().bytesUploaded ?? 0)
    return totals
  }
}

function add(totals: AgentTotals, transfer: ImageTransfer): void {
  const s = transfer.stats()
  totals.bytesDownloaded += s.bytesDownloaded
  totals.bytesFromSeeds += s.bytesFromSeeds
  totals.bytesFromPeers += s.bytesFromPeers
  totals.chunksVerified += s.chunksFetched
  totals.chunksRejected += s.chunksRejected
}

/** Runs `fn`, naming what was being done in the error it throws (the reason reported). */
async function step<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof AgentStoppedError) throw err
    if (err instanceof Error && !err.message.startsWith(what)) err.message = `${what}: ${err.message}`
    throw err
  }
}

const HINT_ORDER: Record<PeerHint['kind'], number> = { 'same-site': 0, 'same-region': 1, other: 2, seed: 3 }

/** Same site first, then same region, then others, then seeds (stable within a kind). */
export function orderHints(peers: readonly PeerHint[]): PeerHint[] {
  return [...peers].sort((a, b) => (HINT_ORDER[a.kind] ?? 2) - (HINT_ORDER[b.kind] ?? 2))
}

function withPeerId(addr: string, peerId: string): string {
  return addr.includes('/p2p/') ? addr : `${addr}/p2p/${peerId}`
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x))
}

function sameDesired(a: Desired | undefined, b: Desired): boolean {
  return (
    a !== undefined &&
    a.rollback === b.rollback &&
    a.rolloutId === b.rolloutId &&
    (a.image?.manifestCid ?? null) === (b.image?.manifestCid ?? null)
  )
}

/** The host name, as a coordinator node name (letters, digits, `.`, `_`, `-`; at most 63). */
function defaultName(): string {
  const name = hostname().replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 63)
  return name === '' ? 'agent' : name
}
