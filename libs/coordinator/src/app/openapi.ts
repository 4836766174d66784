import type { INestApplication } from '@nestjs/common'
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger'

/** Path of the OpenAPI UI; the JSON document is at `<path>-json`. */
export const OPENAPI_PATH = 'api/docs'

/** Serves the OpenAPI document of every route at `/api/docs` (UI) and `/api/docs-json`. */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('imgswarm coordinator')
    .setDescription(
      'Images, nodes, staged rollouts and swarm hints. Operator calls take the admin bearer token; ' +
        'agents enrol with the enrolment token, then use their node credential.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build()
  const document = SwaggerModule.createDocument(app, config)
  SwaggerModule.setup(OPENAPI_PATH, app, document, { jsonDocumentUrl: `${OPENAPI_PATH}-json` })
}
