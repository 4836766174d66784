import { Bitfield, StorageError } from '@imgswarm/core'
import type { AbstractSublevel } from 'abstract-level'
import type { Level } from 'level'
import type { ImageRecord } from './types.js'

type Db = Level<string, Uint8Array>
type Sub<V> = AbstractSublevel<Db, string | Buffer | Uint8Array, string, V>

/**
 * The per-image metadata in level: one record per manifest CID (where the bytes are, which
 * state) and, while downloading, the bitfield of durable verified chunks. Every write is synced
 * (`sync: true`): a bit recorded here must survive a power loss as surely as its bytes do.
 */
export class ImageRecords {
  readonly #db: Db
  readonly #records: Sub<ImageRecord>
  readonly #bitfields: Sub<Uint8Array>

  constructor(db: Db) {
    this.#db = db
    this.#records = db.sublevel<string, ImageRecord>('images', { valueEncoding: 'json' })
    this.#bitfields = db.sublevel<string, Uint8Array>('bitfields', { valueEncoding: 'view' })
  }

  async get(cid: string): Promise<ImageRecord | undefined> {
    return guard(`reading the record of image ${cid}`, () => this.#records.get(cid))
  }

  async list(): Promise<ImageRecord[]> {
    return guard('listing image records', () => this.#records.values().all())
  }

  /** The persisted bitfield, or undefined if none or if it does not fit `length` chunks. */
  async getBitfield(cid: string, length: number): Promise<Bitfield | undefined> {
    const bytes = await guard(`reading the bitfield of image ${cid}`, () => this.#bitfields.get(cid))
    if (bytes === undefined) return undefined
    try {
      return new Bitfield(length, bytes)
    } catch {
      return undefined
    }
  }

  /** Writes a record and, in the same atomic batch, its bitfield (`null` deletes it). */
  async save(record: ImageRecord, bitfield?: Bitfield | null): Promise<void> {
    const batch = this.#db.batch()
    batch.put(record.cid, record, { sublevel: this.#records })
    if (bitfield === null) batch.del(record.cid, { sublevel: this.#bitfields })
    else if (bitfield !== undefined) batch.put(record.cid, bitfield.toBytes(), { sublevel: this.#bitfields })
    await guard(`saving the record of image ${record.cid}`, () => batch.write({ sync: true }))
  }

  async saveBitfield(cid: string, bitfield: Bitfield): Promise<void> {
    const batch = this.#db.batch().put(cid, bitfield.toBytes(), { sublevel: this.#bitfields })
    await guard(`saving the bitfield of image ${cid}`, () => batch.write({ sync: true }))
  }
}

async function guard<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw new StorageError(`metadata database failed ${action}: ${(err as Error).message}`, { cause: err })
  }
}
