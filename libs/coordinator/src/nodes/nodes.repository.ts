import { Injectable } from '@nestjs/common'
import { CoordinatorStore } from '../storage/coordinator-store.js'
import { CachedRepository } from '../storage/cached-repository.js'
import type { NodeRecord } from './node-record.js'

@Injectable()
export class NodesRepository extends CachedRepository<NodeRecord> {
  constructor(store: CoordinatorStore) {
    super(store, 'nodes')
  }
}
