import { Global, Module } from '@nestjs/common'
import { ImagesRepository } from '../images/images.repository.js'
import { NodesRepository } from '../nodes/nodes.repository.js'
import { RolloutsRepository } from '../rollouts/rollouts.repository.js'

/**
 * The repositories over the level store. The store itself (`CoordinatorStore`) is provided by the
 * app module, opened before the app is built.
 */
@Global()
@Module({
  providers: [ImagesRepository, NodesRepository, RolloutsRepository],
  exports: [ImagesRepository, NodesRepository, RolloutsRepository],
})
export class StorageModule {}
