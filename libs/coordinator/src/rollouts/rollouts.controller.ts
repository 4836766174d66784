import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common'
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger'
import type { RolloutSummaryView, RolloutView } from '@imgswarm/coordinator-client'
import { Auth } from '../auth/auth.decorators.js'
import { CreateRolloutDto } from './dto/create-rollout.dto.js'
import { RolloutsService } from './rollouts.service.js'

@ApiTags('rollouts')
@ApiBearerAuth()
@Auth('admin')
@Controller('api/v1/rollouts')
export class RolloutsController {
  constructor(private readonly rollouts: RolloutsService) {}

  @Post()
  @ApiOperation({ summary: 'Create and start a staged rollout of an image version to the nodes a selector matches' })
  create(@Body() body: CreateRolloutDto): Promise<RolloutView> {
    return this.rollouts.create(body)
  }

  @Get()
  @ApiOperation({ summary: 'List rollouts, newest first' })
  list(): Promise<RolloutSummaryView[]> {
    return this.rollouts.list()
  }

  @Get(':id')
  @ApiOperation({ summary: 'Status of a rollout: per wave and per node (state, reason, bytes, rate, ETA, peers, sources)' })
  get(@Param('id') id: string): Promise<RolloutView> {
    return this.rollouts.get(id)
  }

  @Post(':id/pause')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Pause: start no further wave' })
  pause(@Param('id') id: string): Promise<RolloutView> {
    return this.rollouts.act(id, 'pause')
  }

  @Post(':id/resume')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Resume a paused or halted rollout' })
  resume(@Param('id') id: string): Promise<RolloutView> {
    return this.rollouts.act(id, 'resume')
  }

  @Post(':id/abort')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Abort: no further wave; nodes not yet active stay on their previous image' })
  abort(@Param('id') id: string): Promise<RolloutView> {
    return this.rollouts.act(id, 'abort')
  }

  @Post(':id/rollback')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Roll back: every node reached returns to its previous image' })
  rollback(@Param('id') id: string): Promise<RolloutView> {
    return this.rollouts.act(id, 'rollback')
  }
}
