import type { CreateRolloutRequest } from '@imgswarm/coordinator-client'
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger'
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator'

export class CreateRolloutDto implements CreateRolloutRequest {
  @ApiProperty({ example: 'win11-iot', description: 'image name, as registered' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  image!: string

  @ApiProperty({ example: '2026.11' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  version!: string

  @ApiProperty({ example: 'site=plant-3,region=eu', description: 'equality label selector, or * for every node' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  selector!: string

  @ApiProperty({ example: '10%,50%,100%', description: 'cumulative waves: percentages, or counts then percentages (5,20,100%)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  waves!: string

  @ApiPropertyOptional({ example: '5%', description: 'failures tolerated among nodes started so far (percent or count); default 0' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(16)
  maxFailures?: string
}
