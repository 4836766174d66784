import { Module } from '@nestjs/common'
import { RolloutsModule } from '../rollouts/rollouts.module.js'
import { FleetTicker } from './fleet-ticker.js'
import { HeartbeatService } from './heartbeat.service.js'
import { NodesController } from './nodes.controller.js'
import { NodesService } from './nodes.service.js'

@Module({
  imports: [RolloutsModule],
  controllers: [NodesController],
  providers: [NodesService, HeartbeatService, FleetTicker],
  exports: [NodesService],
})
export class NodesModule {}
