import { Injectable } from '@nestjs/common'
import type { AgentState, ImageStatusView, StatusView } from '@imgswarm/coordinator-client'
import { resolveDesired, type RolloutStatus } from '@imgswarm/rollout'
import { ImagesRepository } from '../images/images.repository.js'
import { NodesRepository } from '../nodes/nodes.repository.js'
import { RolloutsRepository } from '../rollouts/rollouts.repository.js'

/** The fleet at a glance: nodes by state, rollouts by status, and per image where the nodes are. */
@Injectable()
export class StatusService {
  constructor(
    private readonly nodes: NodesRepository,
    private readonly rollouts: RolloutsRepository,
    private readonly images: ImagesRepository,
  ) {}

  async status(): Promise<StatusView> {
    const nodes = await this.nodes.list()
    const rollouts = await this.rollouts.list()
    const byState: Record<AgentState | 'unknown', number> = { idle: 0, downloading: 0, verifying: 0, active: 0, failed: 0, unknown: 0 }
    const byStatus: Record<RolloutStatus, number> = {
      pending: 0,
      running: 0,
      paused: 0,
      halted: 0,
      completed: 0,
      aborted: 0,
      'rolled-back': 0,
    }
    for (const r of rollouts) byStatus[r.status]++
    const perImage = new Map<string, ImageStatusView>()
    for (const image of await this.images.list()) {
      perImage.set(image.manifestCid, {
        name: image.name,
        version: image.version,
        manifestCid: image.manifestCid,
        active: 0,
        inProgress: 0,
        failed: 0,
        desired: 0,
      })
    }
    let stale = 0
    for (const node of nodes) {
      if (node.stale) stale++
      const p = node.progress
      byState[p?.state ?? 'unknown']++
      if (p?.activeManifestCid !== undefined) bump(perImage, p.activeManifestCid, 'active')
      if (p?.manifestCid !== undefined && p.manifestCid !== p.activeManifestCid) {
        if (p.state === 'downloading' || p.state === 'verifying') bump(perImage, p.manifestCid, 'inProgress')
        if (p.state === 'failed') bump(perImage, p.manifestCid, 'failed')
      }
      const desired = resolveDesired(rollouts, node.id)?.image
      if (desired !== undefined && desired !== null) bump(perImage, desired.manifestCid, 'desired')
    }
    return {
      nodes: { total: nodes.length, stale, byState },
      rollouts: { total: rollouts.length, byStatus },
      images: [...perImage.values()],
    }
  }
}

function bump(map: Map<string, ImageStatusView>, cid: string, field: 'active' | 'inProgress' | 'failed' | 'desired'): void {
  const view = map.get(cid)
  if (view !== undefined) view[field]++
}
