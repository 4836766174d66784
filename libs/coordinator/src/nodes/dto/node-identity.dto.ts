import type { UpdateNodeRequest } from '@imgswarm/coordinator-client'
import { ApiPropertyOptional } from '@nestjs/swagger'
import { ArrayMaxSize, IsArray, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator'

/** Fields an agent sends about itself, at enrolment and after a restart. */
export class NodeIdentityDto implements UpdateNodeRequest {
  @ApiPropertyOptional({ example: 'hmi-07', description: 'display name, e.g. the host name' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { message: 'name must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit' })
  name?: string

  @ApiPropertyOptional({ example: { site: 'plant-3', region: 'eu' }, description: 'labels, key: value' })
  @IsOptional()
  @IsObject()
  labels?: Record<string, string>

  @ApiPropertyOptional({ description: "the agent's libp2p peer id" })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  peerId?: string

  @ApiPropertyOptional({ type: [String], description: "the agent's libp2p multiaddrs" })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @MaxLength(512, { each: true })
  addrs?: string[]
}

export class EnrolDto extends NodeIdentityDto {}
export class UpdateNodeDto extends NodeIdentityDto {}
