import { Controller, Get, Query } from '@nestjs/common'
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger'
import type { HintsResponse } from '@imgswarm/coordinator-client'
import { Auth, CurrentPrincipal } from '../auth/auth.decorators.js'
import type { Principal } from '../auth/principal.js'
import { HintsQueryDto } from './dto/hints-query.dto.js'
import { SwarmHintsService } from './swarm-hints.service.js'

@ApiTags('swarm')
@ApiBearerAuth()
@Controller('api/v1/swarm')
export class SwarmController {
  constructor(private readonly hints: SwarmHintsService) {}

  @Get('hints')
  @Auth(['node', 'admin'])
  @ApiOperation({ summary: 'Peers to fetch an image from: same site, same region, others (having it first), then seeds' })
  get(@Query() query: HintsQueryDto, @CurrentPrincipal() principal: Principal): Promise<HintsResponse> {
    return this.hints.hints(query.manifest, principal.kind === 'node' ? principal.nodeId : undefined, query.limit)
  }
}
