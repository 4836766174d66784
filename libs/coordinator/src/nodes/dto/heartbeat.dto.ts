import type { AgentState, HeartbeatRequest } from '@imgswarm/coordinator-client'
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger'
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator'

export const AGENT_STATES: readonly AgentState[] = ['idle', 'downloading', 'verifying', 'active', 'failed']
const CID = /^[A-Za-z0-9]{8,128}$/
const CID_MESSAGE = { message: '$property must be a CID (letters and digits)' }
const MAX_BYTES = Number.MAX_SAFE_INTEGER

export class HeartbeatDto implements HeartbeatRequest {
  @ApiProperty({ enum: AGENT_STATES })
  @IsIn(AGENT_STATES)
  state!: AgentState

  @ApiPropertyOptional({ description: 'manifest being fetched, verified, or failed on' })
  @IsOptional()
  @Matches(CID, CID_MESSAGE)
  manifestCid?: string

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_BYTES)
  bytesDone?: number

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_BYTES)
  bytesTotal?: number

  @ApiPropertyOptional({ description: 'bytes per second' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  rate?: number

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000)
  peers?: number

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_BYTES)
  bytesFromSeed?: number

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_BYTES)
  bytesFromPeers?: number

  @ApiPropertyOptional({ description: 'why the agent failed' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  error?: string

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(CID, CID_MESSAGE)
  activeManifestCid?: string

  @ApiPropertyOptional({ description: 'version kept for rollback' })
  @IsOptional()
  @Matches(CID, CID_MESSAGE)
  previousManifestCid?: string

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  peerId?: string

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @MaxLength(512, { each: true })
  addrs?: string[]
}
