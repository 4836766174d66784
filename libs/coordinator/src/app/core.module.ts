import { Global, Module, type DynamicModule } from '@nestjs/common'
import { systemClock, type Clock } from '../common/clock.js'
import type { CoordinatorConfig } from '../config/coordinator-config.js'
import type { ImageSeeder } from '../images/image-seeder.js'
import { CoordinatorStore } from '../storage/coordinator-store.js'
import { CLOCK, COORDINATOR_CONFIG, IMAGE_SEEDER } from '../tokens.js'

/** What a coordinator app is built from: validated config, an open store, and its ports. */
export interface CoordinatorDependencies {
  config: CoordinatorConfig
  store: CoordinatorStore
  seeder?: ImageSeeder | null
  clock?: Clock
}

/** Provides the app-wide values: config, store, seeder (or null), clock. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(deps: CoordinatorDependencies): DynamicModule {
    const providers = [
      { provide: COORDINATOR_CONFIG, useValue: deps.config },
      { provide: CoordinatorStore, useValue: deps.store },
      { provide: IMAGE_SEEDER, useValue: deps.seeder ?? null },
      { provide: CLOCK, useValue: deps.clock ?? systemClock },
    ]
    return { module: CoreModule, providers, exports: providers.map((p) => p.provide) }
  }
}
