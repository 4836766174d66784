import { mkdir } from 'node:fs/promises'
import { StorageError } from '@imgswarm/core'
import { Level } from 'level'
import { AsyncMutex } from './async-mutex.js'

export interface WriteOptions {
  /** Flush to disk before returning (operator changes); heartbeats go to the OS only. */
  sync?: boolean
}

/** A JSON-valued section of the store (a level sublevel). */
export interface JsonSection<V> {
  get(key: string): Promise<V | undefined>
  put(key: string, value: V, options?: WriteOptions): Promise<void>
  entries(): AsyncIterable<[string, V]>
}

/**
 * The coordinator's embedded level database (`<dataDir>/coordinator-db`), one JSON section per
 * feature, and the lock under which every state change runs.
 */
export class CoordinatorStore {
  private readonly mutex = new AsyncMutex()

  private constructor(
    readonly path: string,
    private readonly db: Level<string, unknown>,
  ) {}

  /** Opens (creating if missing) the store; a store held by another process is a `StorageError`. */
  static async open(path: string): Promise<CoordinatorStore> {
    const db = new Level<string, unknown>(path, { valueEncoding: 'json' })
    try {
      await mkdir(path, { recursive: true })
      await db.open()
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause
      const why = cause?.code === 'LEVEL_LOCKED' ? 'it is in use by another coordinator process' : (err as Error).message
      throw new StorageError(`cannot open the coordinator store at ${path}: ${why}`, { cause: err })
    }
    return new CoordinatorStore(path, db)
  }

  get isOpen(): boolean {
    return this.db.status === 'open'
  }

  section<V>(name: string): JsonSection<V> {
    const sub = this.db.sublevel<string, V>(name, { valueEncoding: 'json' })
    return {
      get: (key) => sub.get(key),
      // classic-level honours `sync` (fsync before returning); the sublevel passes it through.
      put: (key, value, options) => sub.put(key, value, { sync: options?.sync === true } as object),
      entries: () => sub.iterator(),
    }
  }

  /** Runs `fn` with no other state change in between. Not re-entrant. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(fn)
  }

  async close(): Promise<void> {
    // Let state changes in flight finish before closing.
    await this.mutex.run(async () => {
      if (this.db.status === 'open' || this.db.status === 'opening') await this.db.close()
    })
  }
}
