import { Module, type DynamicModule } from '@nestjs/common'
import { APP_GUARD } from '@nestjs/core'
import { AuthGuard } from '../auth/auth.guard.js'
import { HealthModule } from '../health/health.module.js'
import { ImagesModule } from '../images/images.module.js'
import { MetricsModule } from '../metrics/metrics.module.js'
import { NodesModule } from '../nodes/nodes.module.js'
import { RolloutsModule } from '../rollouts/rollouts.module.js'
import { StatusModule } from '../status/status.module.js'
import { StorageModule } from '../storage/storage.module.js'
import { SwarmModule } from '../swarm/swarm.module.js'
import { CoreModule, type CoordinatorDependencies } from './core.module.js'

/** The whole coordinator: feature modules over the shared store, every route behind the auth guard. */
@Module({})
export class CoordinatorAppModule {
  static forRoot(deps: CoordinatorDependencies): DynamicModule {
    return {
      module: CoordinatorAppModule,
      imports: [
        CoreModule.forRoot(deps),
        StorageModule,
        MetricsModule,
        ImagesModule,
        RolloutsModule,
        NodesModule,
        SwarmModule,
        StatusModule,
        HealthModule,
      ],
      providers: [{ provide: APP_GUARD, useClass: AuthGuard }],
    }
  }
}
