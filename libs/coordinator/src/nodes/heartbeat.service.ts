import { Inject, Injectable } from '@nestjs/common'
import type { HeartbeatRequest, HeartbeatResponse } from '@imgswarm/coordinator-client'
import type { CoordinatorConfig } from '../config/coordinator-config.js'
import { MetricsService } from '../metrics/metrics.service.js'
import { RolloutsService } from '../rollouts/rollouts.service.js'
import { CoordinatorStore } from '../storage/coordinator-store.js'
import { COORDINATOR_CONFIG } from '../tokens.js'
import { NodesService } from './nodes.service.js'

/**
 * One heartbeat: store the node's report, let the rollouts it belongs to react (which may start
 * the next wave or halt), then tell the node what to run. All in level before the answer.
 */
@Injectable()
export class HeartbeatService {
  constructor(
    private readonly nodes: NodesService,
    private readonly rollouts: RolloutsService,
    private readonly store: CoordinatorStore,
    private readonly metrics: MetricsService,
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
  ) {}

  async handle(nodeId: string, heartbeat: HeartbeatRequest): Promise<HeartbeatResponse> {
    const desired = await this.store.exclusive(async () => {
      await this.nodes.recordHeartbeat(nodeId, heartbeat)
      await this.rollouts.onNodeReport(nodeId)
      return this.rollouts.desiredFor(nodeId)
    })
    this.metrics.heartbeats.inc()
    return {
      nodeId,
      desired: desired?.image ?? null,
      rolloutId: desired?.rolloutId ?? null,
      rollback: desired?.rollback ?? false,
      heartbeatIntervalMs: this.config.heartbeatIntervalMs,
      trustedPublishers: this.config.trustedPublishers,
    }
  }
}
