import { Body, Controller, Get, HttpStatus, Param, Post, Res } from '@nestjs/common'
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger'
import type { ImageView, ManifestView } from '@imgswarm/coordinator-client'
import { Auth } from '../auth/auth.decorators.js'
import { RegisterImageDto } from './dto/register-image.dto.js'
import { ImagesService } from './images.service.js'

@ApiTags('images')
@ApiBearerAuth()
@Controller('api/v1')
export class ImagesController {
  constructor(private readonly images: ImagesService) {}

  @Post('images')
  @Auth('admin')
  @ApiOperation({ summary: 'Register a signed manifest (201 new, 200 already registered); the embedded seed serves it' })
  async register(@Body() body: RegisterImageDto, @Res({ passthrough: true }) res: { status(code: number): unknown }): Promise<ImageView> {
    const { image, created } = await this.images.register(body)
    res.status(created ? HttpStatus.CREATED : HttpStatus.OK)
    return image
  }

  @Get('images')
  @Auth(['admin', 'node'])
  @ApiOperation({ summary: 'List registered images' })
  list(): Promise<ImageView[]> {
    return this.images.list()
  }

  @Get('images/:name/:version')
  @Auth(['admin', 'node'])
  @ApiOperation({ summary: 'One image by name and version' })
  get(@Param('name') name: string, @Param('version') version: string): Promise<ImageView> {
    return this.images.get(name, version)
  }

  @Get('manifests/:cid')
  @Auth(['admin', 'node'])
  @ApiOperation({ summary: 'One image by manifest CID, with its encoded signed manifest (base64)' })
  manifest(@Param('cid') cid: string): Promise<ManifestView> {
    return this.images.manifest(cid)
  }
}
