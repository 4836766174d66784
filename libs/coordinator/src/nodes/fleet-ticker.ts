import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common'
import type { CoordinatorConfig } from '../config/coordinator-config.js'
import { RolloutsService } from '../rollouts/rollouts.service.js'
import { COORDINATOR_CONFIG } from '../tokens.js'
import { NodesService } from './nodes.service.js'

/**
 * Keeps the fleet moving without waiting for heartbeats: at start-up (so a restarted coordinator
 * carries on where it stopped) and then periodically, marks silent nodes stale and reconciles
 * every rollout.
 */
@Injectable()
export class FleetTicker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('FleetTicker')
  private timer?: NodeJS.Timeout
  private running?: Promise<void>

  constructor(
    private readonly nodes: NodesService,
    private readonly rollouts: RolloutsService,
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.tick()
    this.timer = setInterval(() => {
      // One tick at a time: a slow one is not stacked on.
      this.running ??= this.tick().finally(() => (this.running = undefined))
    }, this.config.tickIntervalMs)
    this.timer.unref()
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer)
    await this.running
  }

  /** One pass; errors are logged, never thrown (the next tick tries again). */
  async tick(): Promise<void> {
    try {
      const stale = await this.nodes.markStale()
      if (stale > 0) this.logger.log(`${stale} nodes marked stale (no heartbeat for ${this.config.heartbeatTimeoutMs} ms)`)
      await this.rollouts.reconcileAll()
    } catch (err) {
      this.logger.error(`tick failed: ${(err as Error).message}`)
    }
  }
}
