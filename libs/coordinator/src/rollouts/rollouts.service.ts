import { Inject, Injectable, Logger } from '@nestjs/common'
import { NotFoundError } from '@imgswarm/core'
import type { CreateRolloutRequest, RolloutSummaryView, RolloutView } from '@imgswarm/coordinator-client'
import {
  DEFAULT_MAX_FAILURES,
  abortRollout,
  createRollout,
  parseFailureThreshold,
  parseSelector,
  parseWaveSpec,
  pauseRollout,
  reconcile,
  resolveDesired,
  resumeRollout,
  rollbackRollout,
  startRollout,
  type CandidateNode,
  type DesiredImage,
  type ImageRef,
  type ReportLookup,
  type RolloutState,
} from '@imgswarm/rollout'
import type { Clock } from '../common/clock.js'
import type { ImageRecord } from '../images/image-record.js'
import { toImageRef } from '../images/image-views.js'
import { ImagesRepository } from '../images/images.repository.js'
import type { NodeRecord } from '../nodes/node-record.js'
import { toNodeReport } from '../nodes/node-report.js'
import { NodesRepository } from '../nodes/nodes.repository.js'
import { CoordinatorStore } from '../storage/coordinator-store.js'
import { CLOCK } from '../tokens.js'
import { toRolloutSummary, toRolloutView } from './rollout-views.js'
import { RolloutsRepository } from './rollouts.repository.js'

export type RolloutAction = 'pause' | 'resume' | 'abort' | 'rollback'

const ACTIONS = { pause: pauseRollout, resume: resumeRollout, abort: abortRollout, rollback: rollbackRollout }

/**
 * Rollouts over the stored fleet: creation (validated in full before anything is written),
 * operator actions, and reconciliation with node reports. State changes run under the store lock
 * and are in level before they are answered.
 */
@Injectable()
export class RolloutsService {
  private readonly logger = new Logger('Rollouts')

  constructor(
    private readonly rollouts: RolloutsRepository,
    private readonly nodes: NodesRepository,
    private readonly images: ImagesRepository,
    private readonly store: CoordinatorStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async create(request: CreateRolloutRequest): Promise<RolloutView> {
    const selector = parseSelector(request.selector)
    const waves = parseWaveSpec(request.waves)
    const maxFailures = parseFailureThreshold(request.maxFailures ?? DEFAULT_MAX_FAILURES)
    const image = await this.images.findByNameVersion(request.image, request.version)
    if (image === undefined) throw new NotFoundError(`image ${request.image}@${request.version} is not registered`)
    return this.store.exclusive(async () => {
      const now = this.clock.now().toISOString()
      const nodes = await this.nodeMap()
      const existing = await this.rollouts.list()
      const imagesByCid = new Map((await this.images.list()).map((i) => [i.manifestCid, i]))
      const candidates: CandidateNode[] = [...nodes.values()].map((n) => ({
        id: n.id,
        labels: n.labels,
        from: previousImage(n, image, existing, imagesByCid),
      }))
      const seq = await this.rollouts.nextSeq()
      const planned = createRollout({
        id: `r-${seq}`,
        seq,
        image: toImageRef(image),
        selector,
        waves,
        maxFailures,
        candidates,
        now,
      })
      const state = reconcile(startRollout(planned, now), lookup(nodes), now).state
      await this.rollouts.save(state.id, state, { sync: true })
      this.logger.log(`created ${state.id}: ${image.name}@${image.version} to ${Object.keys(state.nodes).length} nodes`)
      return toRolloutView(state, nodes)
    })
  }

  async list(): Promise<RolloutSummaryView[]> {
    const all = await this.rollouts.list()
    return all.sort((a, b) => b.seq - a.seq).map(toRolloutSummary)
  }

  async get(id: string): Promise<RolloutView> {
    return toRolloutView(await this.require(id), await this.nodeMap())
  }

  async act(id: string, action: RolloutAction): Promise<RolloutView> {
    return this.store.exclusive(async () => {
      const state = await this.require(id)
      const now = this.clock.now().toISOString()
      const nodes = await this.nodeMap()
      const next = reconcile(ACTIONS[action](state, now), lookup(nodes), now).state
      await this.rollouts.save(id, next, { sync: true })
      this.logger.log(`${action} ${id}: now ${next.status}`)
      return toRolloutView(next, nodes)
    })
  }

  /**
   * Reconciles the rollouts a node belongs to after its report changed. Call under the store
   * lock (the heartbeat handler holds it).
   */
  async onNodeReport(nodeId: string): Promise<void> {
    const nodes = await this.nodeMap()
    for (const state of await this.rollouts.list()) {
      if (Object.hasOwn(state.nodes, nodeId)) await this.reconcileOne(state, nodes, [nodeId])
    }
  }

  /** Reconciles every rollout (start-up and periodic tick); returns how many changed. */
  async reconcileAll(): Promise<number> {
    return this.store.exclusive(async () => {
      const nodes = await this.nodeMap()
      let changed = 0
      for (const state of await this.rollouts.list()) if (await this.reconcileOne(state, nodes)) changed++
      return changed
    })
  }

  /** What a node should run now, as the newest rollout that reached it says. */
  async desiredFor(nodeId: string): Promise<DesiredImage | undefined> {
    return resolveDesired(await this.rollouts.list(), nodeId)
  }

  private async reconcileOne(state: RolloutState, nodes: ReadonlyMap<string, NodeRecord>, only?: string[]): Promise<boolean> {
    const before = state.status
    const { state: next, changed } = reconcile(state, lookup(nodes), this.clock.now().toISOString(), { only })
    if (!changed) return false
    await this.rollouts.save(next.id, next, { sync: next.status !== before })
    if (next.status !== before) this.logger.log(`${next.id}: ${before} -> ${next.status}`)
    return true
  }

  private async require(id: string): Promise<RolloutState> {
    const state = await this.rollouts.get(id)
    if (state === undefined) throw new NotFoundError(`rollout ${id} does not exist`)
    return state
  }

  private async nodeMap(): Promise<Map<string, NodeRecord>> {
    return new Map((await this.nodes.list()).map((n) => [n.id, n]))
  }
}

function lookup(nodes: ReadonlyMap<string, NodeRecord>): ReportLookup {
  return (id) => toNodeReport(nodes.get(id)?.progress)
}

/**
 * What a node returns to on rollback: the image it reports active (or the one it kept, if it
 * already runs the rollout's image), else what earlier rollouts gave it, else nothing.
 */
function previousImage(
  node: NodeRecord,
  target: ImageRecord,
  rollouts: readonly RolloutState[],
  imagesByCid: ReadonlyMap<string, ImageRecord>,
): ImageRef | null {
  const active = node.progress?.activeManifestCid
  const cid = active === target.manifestCid ? node.progress?.previousManifestCid : active
  if (cid !== undefined) {
    const known = imagesByCid.get(cid)
    return known === undefined ? { name: 'unknown', version: 'unknown', manifestCid: cid } : toImageRef(known)
  }
  const earlier = resolveDesired(rollouts, node.id)?.image
  return earlier !== undefined && earlier !== null && earlier.manifestCid !== target.manifestCid ? earlier : null
}
