// A coordinator built with the NestJS testing module over a real level store in a temp dir.
import { rm } from 'node:fs/promises'
import { Test, type TestingModule } from '@nestjs/testing'
import { CoordinatorAppModule } from '../app/coordinator-app.module.js'
import type { Clock } from '../common/clock.js'
import { resolveConfig, type CoordinatorConfig, type CoordinatorOptions } from '../config/coordinator-config.js'
import type { ImageSeeder } from '../images/image-seeder.js'
import { CoordinatorStore } from '../storage/coordinator-store.js'
import { ADMIN_TOKEN, ENROLMENT_TOKEN, publisher, tempDir } from './fixtures.js'

const noop = () => undefined
const silentLogger = { log: noop, error: noop, warn: noop, debug: noop, verbose: noop }

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  constructor(private ms = Date.parse('2026-11-01T10:00:00.000Z')) {}
  now(): Date {
    return new Date(this.ms)
  }
  advance(ms: number): void {
    this.ms += ms
  }
}

export interface TestingCoordinator {
  moduleRef: TestingModule
  config: CoordinatorConfig
  store: CoordinatorStore
  /** Closes the module and the store; keeps the data dir (for restarts). */
  stop(): Promise<void>
  /** `stop` and remove the data dir. */
  close(): Promise<void>
}

export interface TestingCoordinatorInit {
  dataDir?: string
  seeder?: ImageSeeder
  clock?: Clock
  options?: Partial<CoordinatorOptions>
  /** Remove the data dir on `close` (default: only a temp dir made here). */
  removeOnClose?: boolean
}

export async function createTestingCoordinator(init: TestingCoordinatorInit = {}): Promise<TestingCoordinator> {
  const dataDir = init.dataDir ?? (await tempDir()).path
  const removeOnClose = init.removeOnClose ?? init.dataDir === undefined
  const config = resolveConfig({
    dataDir,
    adminToken: ADMIN_TOKEN,
    enrolmentToken: ENROLMENT_TOKEN,
    trustedPublishers: [publisher.publicKey],
    // Ticks are driven by the tests themselves.
    tickIntervalMs: 3_600_000,
    ...init.options,
  })
  const store = await CoordinatorStore.open(config.dbPath)
  const moduleRef = await Test.createTestingModule({
    imports: [CoordinatorAppModule.forRoot({ config, store, seeder: init.seeder, clock: init.clock })],
  })
    .setLogger(silentLogger)
    .compile()
  await moduleRef.init()
  const stop = async () => {
    await moduleRef.close()
    await store.close()
  }
  return {
    moduleRef,
    config,
    store,
    stop,
    close: async () => {
      await stop()
      if (removeOnClose) await rm(dataDir, { recursive: true, force: true })
    },
  }
}
