import { Controller, Get } from '@nestjs/common'
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger'
import type { StatusView } from '@imgswarm/coordinator-client'
import { Auth } from '../auth/auth.decorators.js'
import { StatusService } from './status.service.js'

@ApiTags('status')
@ApiBearerAuth()
@Controller('api/v1/status')
export class StatusController {
  constructor(private readonly status: StatusService) {}

  @Get()
  @Auth('admin')
  @ApiOperation({ summary: 'Fleet status: nodes by state, rollouts by status, per image the nodes on it' })
  get(): Promise<StatusView> {
    return this.status.status()
  }
}
