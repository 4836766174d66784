import { Inject, Injectable } from '@nestjs/common'
import { NotFoundError } from '@imgswarm/core'
import type { EnrolRequest, EnrolResponse, HeartbeatRequest, NodeView, UpdateNodeRequest } from '@imgswarm/coordinator-client'
import { validateLabels } from '@imgswarm/rollout'
import { newNodeCredential, newNodeId } from '../auth/credentials.js'
import type { Clock } from '../common/clock.js'
import type { CoordinatorConfig } from '../config/coordinator-config.js'
import { RolloutsService } from '../rollouts/rollouts.service.js'
import { CoordinatorStore } from '../storage/coordinator-store.js'
import { CLOCK, COORDINATOR_CONFIG } from '../tokens.js'
import type { NodeRecord } from './node-record.js'
import { toNodeView } from './node-views.js'
import { NodesRepository } from './nodes.repository.js'

/** Enrolment, self-description and heartbeats of edge nodes; stale marking. */
@Injectable()
export class NodesService {
  constructor(
    private readonly nodes: NodesRepository,
    private readonly rollouts: RolloutsService,
    private readonly store: CoordinatorStore,
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async enrol(request: EnrolRequest): Promise<EnrolResponse> {
    const labels = validateLabels(request.labels ?? {})
    return this.store.exclusive(async () => {
      let id = newNodeId()
      while ((await this.nodes.get(id)) !== undefined) id = newNodeId()
      const { credential, hash } = newNodeCredential(id)
      const now = this.clock.now().toISOString()
      const record: NodeRecord = {
        id,
        ...(request.name === undefined ? {} : { name: request.name }),
        labels: { ...labels },
        ...(request.peerId === undefined ? {} : { peerId: request.peerId }),
        addrs: request.addrs ?? [],
        credentialHash: hash,
        enrolledAt: now,
        updatedAt: now,
        stale: false,
      }
      await this.nodes.save(id, record, { sync: true })
      return {
        nodeId: id,
        credential,
        heartbeatIntervalMs: this.config.heartbeatIntervalMs,
        trustedPublishers: this.config.trustedPublishers,
      }
    })
  }

  async update(id: string, request: UpdateNodeRequest): Promise<NodeView> {
    const labels = request.labels === undefined ? undefined : validateLabels(request.labels)
    return this.store.exclusive(async () => {
      const record = await this.require(id)
      const next: NodeRecord = {
        ...record,
        ...(request.name === undefined ? {} : { name: request.name }),
        ...(labels === undefined ? {} : { labels: { ...labels } }),
        ...(request.peerId === undefined ? {} : { peerId: request.peerId }),
        ...(request.addrs === undefined ? {} : { addrs: request.addrs }),
        updatedAt: this.clock.now().toISOString(),
      }
      await this.nodes.save(id, next, { sync: true })
      return toNodeView(next, await this.rollouts.desiredFor(id))
    })
  }

  /** Stores a heartbeat; the caller holds the store lock. */
  async recordHeartbeat(id: string, hb: HeartbeatRequest): Promise<NodeRecord> {
    const record = await this.require(id)
    const now = this.clock.now().toISOString()
    const next: NodeRecord = {
      ...record,
      ...(hb.peerId === undefined ? {} : { peerId: hb.peerId }),
      ...(hb.addrs === undefined ? {} : { addrs: hb.addrs }),
      lastHeartbeatAt: now,
      stale: false,
      progress: {
        state: hb.state,
        ...(hb.manifestCid === undefined ? {} : { manifestCid: hb.manifestCid }),
        bytesDone: hb.bytesDone ?? 0,
        bytesTotal: hb.bytesTotal ?? 0,
        rate: hb.rate ?? 0,
        peers: hb.peers ?? 0,
        bytesFromSeed: hb.bytesFromSeed ?? 0,
        bytesFromPeers: hb.bytesFromPeers ?? 0,
        ...(hb.error === undefined ? {} : { error: hb.error }),
        ...(hb.activeManifestCid === undefined ? {} : { activeManifestCid: hb.activeManifestCid }),
        ...(hb.previousManifestCid === undefined ? {} : { previousManifestCid: hb.previousManifestCid }),
        at: now,
      },
    }
    await this.nodes.save(id, next)
    return next
  }

  async list(): Promise<NodeView[]> {
    const all = await this.nodes.list()
    const views: NodeView[] = []
    for (const n of all.sort((a, b) => (a.enrolledAt < b.enrolledAt ? -1 : a.enrolledAt > b.enrolledAt ? 1 : 0))) {
      views.push(toNodeView(n, await this.rollouts.desiredFor(n.id)))
    }
    return views
  }

  async get(id: string): Promise<NodeView> {
    return toNodeView(await this.require(id), await this.rollouts.desiredFor(id))
  }

  /** Marks nodes silent for longer than the heartbeat timeout as stale; returns how many. */
  async markStale(): Promise<number> {
    return this.store.exclusive(async () => {
      const cutoff = this.clock.now().getTime() - this.config.heartbeatTimeoutMs
      let marked = 0
      for (const node of await this.nodes.list()) {
        const last = Date.parse(node.lastHeartbeatAt ?? node.enrolledAt)
        if (!node.stale && last < cutoff) {
          await this.nodes.save(node.id, { ...node, stale: true })
          marked++
        }
      }
      return marked
    })
  }

  private async require(id: string): Promise<NodeRecord> {
    const record = await this.nodes.get(id)
    if (record === undefined) throw new NotFoundError(`node ${id} is not enrolled`)
    return record
  }
}
