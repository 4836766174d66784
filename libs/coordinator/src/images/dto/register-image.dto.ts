import type { RegisterImageRequest, SeedPeer } from '@imgswarm/coordinator-client'
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger'
import { Type } from 'class-transformer'
import {
  ArrayMaxSize,
  IsArray,
  IsBase64,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator'

export class SeedPeerDto implements SeedPeer {
  @ApiProperty({ description: 'libp2p peer id of a seed serving the image' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  peerId!: string

  @ApiProperty({ type: [String], description: 'multiaddrs of the seed' })
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @MaxLength(512, { each: true })
  addrs!: string[]
}

export class RegisterImageDto implements RegisterImageRequest {
  @ApiProperty({ description: 'the encoded signed manifest, base64' })
  @IsString()
  @IsNotEmpty()
  @IsBase64()
  manifest!: string

  @ApiPropertyOptional({ description: "path of the image file on the coordinator's host, for its embedded seed" })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  sourcePath?: string

  @ApiPropertyOptional({ type: [SeedPeerDto], description: 'other seeds serving the image' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(16)
  @ValidateNested({ each: true })
  @Type(() => SeedPeerDto)
  seeds?: SeedPeerDto[]
}
