import { Module } from '@nestjs/common'
import { ImagesModule } from '../images/images.module.js'
import { SwarmController } from './swarm.controller.js'
import { SwarmHintsService } from './swarm-hints.service.js'

@Module({
  imports: [ImagesModule],
  controllers: [SwarmController],
  providers: [SwarmHintsService],
})
export class SwarmModule {}
