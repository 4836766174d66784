import { Injectable } from '@nestjs/common'
import type { RolloutState } from '@imgswarm/rollout'
import { CoordinatorStore } from '../storage/coordinator-store.js'
import { CachedRepository } from '../storage/cached-repository.js'

@Injectable()
export class RolloutsRepository extends CachedRepository<RolloutState> {
  constructor(store: CoordinatorStore) {
    super(store, 'rollouts')
  }

  /** Next creation sequence number (1 for the first rollout). */
  async nextSeq(): Promise<number> {
    let max = 0
    for (const r of (await this.all()).values()) max = Math.max(max, r.seq)
    return max + 1
  }
}
