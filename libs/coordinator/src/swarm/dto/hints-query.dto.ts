import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger'
import { Type } from 'class-transformer'
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator'
import { MAX_HINTS_LIMIT } from '../../constants.js'

export class HintsQueryDto {
  @ApiProperty({ description: 'manifest CID of the image the caller fetches' })
  @Matches(/^[A-Za-z0-9]{8,128}$/, { message: 'manifest must be a CID (letters and digits)' })
  manifest!: string

  @ApiPropertyOptional({ description: `most peers to return (seeds come on top), 1-${MAX_HINTS_LIMIT}` })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_HINTS_LIMIT)
  limit?: number
}
