import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Put } from '@nestjs/common'
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger'
import type { EnrolResponse, HeartbeatResponse, NodeView } from '@imgswarm/coordinator-client'
import { Auth } from '../auth/auth.decorators.js'
import { HeartbeatDto } from './dto/heartbeat.dto.js'
import { EnrolDto, UpdateNodeDto } from './dto/node-identity.dto.js'
import { HeartbeatService } from './heartbeat.service.js'
import { NodesService } from './nodes.service.js'

@ApiTags('nodes')
@ApiBearerAuth()
@Controller('api/v1/nodes')
export class NodesController {
  constructor(
    private readonly nodes: NodesService,
    private readonly heartbeats: HeartbeatService,
  ) {}

  @Post('enrol')
  @Auth('enrolment')
  @ApiOperation({ summary: 'Enrol a node with the enrolment token: returns its id and credential (shown once)' })
  enrol(@Body() body: EnrolDto): Promise<EnrolResponse> {
    return this.nodes.enrol(body)
  }

  @Put(':id')
  @Auth('node', { ownNodeParam: 'id' })
  @ApiOperation({ summary: "Update the node's peer id, addresses, labels or name (its own credential)" })
  update(@Param('id') id: string, @Body() body: UpdateNodeDto): Promise<NodeView> {
    return this.nodes.update(id, body)
  }

  @Post(':id/heartbeat')
  @HttpCode(HttpStatus.OK)
  @Auth('node', { ownNodeParam: 'id' })
  @ApiOperation({ summary: 'Report progress; the answer says which image the node should run and whether to roll back' })
  heartbeat(@Param('id') id: string, @Body() body: HeartbeatDto): Promise<HeartbeatResponse> {
    return this.heartbeats.handle(id, body)
  }

  @Get()
  @Auth('admin')
  @ApiOperation({ summary: 'List enrolled nodes with their latest progress' })
  list(): Promise<NodeView[]> {
    return this.nodes.list()
  }

  @Get(':id')
  @Auth('admin')
  @ApiOperation({ summary: 'One node' })
  get(@Param('id') id: string): Promise<NodeView> {
    return this.nodes.get(id)
  }
}
