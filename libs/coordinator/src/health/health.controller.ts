import { Controller, Get, ServiceUnavailableException } from '@nestjs/common'
import { ApiOperation, ApiTags } from '@nestjs/swagger'
import type { HealthView } from '@imgswarm/coordinator-client'
import { Public } from '../auth/auth.decorators.js'
import { CoordinatorStore } from '../storage/coordinator-store.js'

@ApiTags('operations')
@Controller()
export class HealthController {
  private readonly started = Date.now()

  constructor(private readonly store: CoordinatorStore) {}

  @Get('healthz')
  @Public()
  @ApiOperation({ summary: 'Liveness and store health (503 when the store is closed)' })
  health(): HealthView {
    const view: HealthView = {
      status: this.store.isOpen ? 'ok' : 'unavailable',
      uptimeSeconds: Math.round((Date.now() - this.started) / 1000),
      store: this.store.isOpen ? 'open' : 'closed',
    }
    if (view.status !== 'ok') throw new ServiceUnavailableException(view)
    return view
  }
}
