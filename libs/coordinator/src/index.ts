/**
 * @packageDocumentation
 * The imgswarm coordinator: a NestJS service (images, nodes, staged rollouts, swarm hints, status,
 * health, metrics, OpenAPI at `/api/docs`) over an embedded level store. `startCoordinator` is the
 * entry the CLI calls; the embedded seed is plugged in through the `ImageSeeder` port. The REST
 * types and a client live in `@imgswarm/coordinator-client`.
 *
 * @example
 * ```ts
 * const coordinator = await startCoordinator({ dataDir, port: 7700, adminToken, enrolmentToken,
 *   trustedPublishers: [publisherKey.publicKey], seeder })
 * console.log(coordinator.url)
 * await coordinator.close()
 * ```
 */
import 'reflect-metadata'

export * from './constants.js'
export * from './errors.js'
export { resolveConfig, type CoordinatorConfig, type CoordinatorOptions } from './config/coordinator-config.js'
export type { ImageSeeder, SeedImage, SeederInfo } from './images/image-seeder.js'
export type { Clock } from './common/clock.js'
export { startCoordinator, type RunningCoordinator, type StartCoordinatorOptions } from './app/start-coordinator.js'
export { createCoordinatorApp, type CreateAppOptions } from './app/create-coordinator-app.js'
export type { CoordinatorDependencies } from './app/core.module.js'
export { CoordinatorStore } from './storage/coordinator-store.js'
