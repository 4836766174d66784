import type { INestApplication } from '@nestjs/common'
import type { AddressInfo } from 'node:net'
import type { Clock } from '../common/clock.js'
import { resolveConfig, type CoordinatorConfig, type CoordinatorOptions } from '../config/coordinator-config.js'
import type { ImageSeeder } from '../images/image-seeder.js'
import { CoordinatorStore } from '../storage/coordinator-store.js'
import { createCoordinatorApp, type CreateAppOptions } from './create-coordinator-app.js'

export interface StartCoordinatorOptions extends CoordinatorOptions, CreateAppOptions {
  /** The embedded seed serving registered images (the CLI plugs in a libp2p seed node). */
  seeder?: ImageSeeder
  clock?: Clock
}

export interface RunningCoordinator {
  app: INestApplication
  /** Base URL, e.g. `http://127.0.0.1:7700` (the real port when 0 was asked for). */
  url: string
  config: CoordinatorConfig
  /** Stops serving, lets state changes in flight finish, closes the store. Idempotent. */
  close(): Promise<void>
}

/**
 * Validates the options, opens the level store in `<dataDir>/coordinator-db`, and serves the
 * coordinator on `host:port`. Rollouts stored by an earlier run carry on at once.
 */
export async function startCoordinator(options: StartCoordinatorOptions): Promise<RunningCoordinator> {
  const config = resolveConfig(options)
  const store = await CoordinatorStore.open(config.dbPath)
  let app: INestApplication | undefined
  try {
    app = await createCoordinatorApp({ config, store, seeder: options.seeder, clock: options.clock }, { logger: options.logger })
    await app.listen(config.port, config.host)
  } catch (err) {
    await app?.close().catch(() => undefined)
    await store.close()
    throw err
  }
  const running = app
  let closing: Promise<void> | undefined
  return {
    app: running,
    url: urlOf(running, config.host),
    config,
    close: () => {
      closing ??= (async () => {
        await running.close()
        await store.close()
      })()
      return closing
    },
  }
}

function urlOf(app: INestApplication, host: string): string {
  const address = (app.getHttpServer() as { address(): AddressInfo | string | null }).address()
  if (address === null || typeof address === 'string') throw new Error('the coordinator is not listening on TCP')
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${address.port}`
}
