import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common'
import { ValidationPipe } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import * as classTransformer from 'class-transformer'
import * as classValidator from 'class-validator'
import { ApiExceptionFilter } from '../common/api-exception.filter.js'
import { DEFAULT_MAX_BODY, DEFAULT_MAX_MANIFEST_BODY } from '../constants.js'
import { httpMetricsMiddleware } from '../metrics/http-metrics.middleware.js'
import { MetricsService } from '../metrics/metrics.service.js'
import { jsonBodyParser } from './body-parsing.js'
import { CoordinatorAppModule } from './coordinator-app.module.js'
import type { CoordinatorDependencies } from './core.module.js'
import { setupOpenApi } from './openapi.js'

export interface CreateAppOptions {
  /** Nest logger, levels to print, or false for silence. */
  logger?: LoggerService | LogLevel[] | false
}

/**
 * Builds the coordinator's Nest application (validation, errors, body limits, metrics, OpenAPI),
 * initialised but not listening.
 */
export async function createCoordinatorApp(deps: CoordinatorDependencies, options: CreateAppOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create(CoordinatorAppModule.forRoot(deps), new ExpressAdapter(), {
    bodyParser: false,
    abortOnError: false,
    logger: options.logger ?? ['log', 'warn', 'error'],
  })
  try {
    app.use(httpMetricsMiddleware(app.get(MetricsService)))
    app.use(jsonBodyParser({ adminToken: deps.config.adminToken, manifestLimit: DEFAULT_MAX_MANIFEST_BODY, defaultLimit: DEFAULT_MAX_BODY }))
    app.useGlobalPipes(
      new ValidationPipe({
        whitelist: true,
        forbidNonWhitelisted: true,
        transform: true,
        // The very modules the DTOs were decorated with, whatever the module loader.
        validatorPackage: classValidator,
        transformerPackage: classTransformer,
      }),
    )
    app.useGlobalFilters(new ApiExceptionFilter())
    setupOpenApi(app)
    await app.init()
    return app
  } catch (err) {
    await app.close().catch(() => undefined)
    throw err
  }
}
