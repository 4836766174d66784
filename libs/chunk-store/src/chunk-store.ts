import { mkdir, open, rename } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { Bitfield, ImgswarmError, InvalidInputError, StorageError } from '@imgswarm/core'
import type { ImageManifest } from '@imgswarm/core'
import type { AbstractSublevel } from 'abstract-level'
import { Level } from 'level'
import { checkChunkLayout } from './chunk-layout.js'
import { DB_DIR_NAME, DEFAULT_DB_CACHE_BYTES, DEFAULT_DB_WRITE_BUFFER_BYTES, DEFAULT_FLUSH_CHUNKS, DEFAULT_FLUSH_INTERVAL_MS } from './constants.js'
import { ImageSizeMismatchError, ImageStateError, StoreLockedError } from './errors.js'
import { storageError } from './fs-errors.js'
import { statIfExists, syncDirectory } from './image-file.js'
import { ImageRecords } from './image-records.js'
import { PartialImage } from './partial-image.js'
import { SeedImage } from './seed-image.js'
import type {
  ChunkStoreInit,
  ImageDownload,
  ImageDownloadInit,
  ImageFileHandle,
  ImageRecord,
  ImageSource,
  OpenImageFile,
} from './types.js'

type Db = Level<string, Uint8Array>

/** A sublevel another component keeps its own metadata in (values JSON unless told otherwise). */
export type MetadataSublevel<V = unknown> = AbstractSublevel<Db, string | Buffer | Uint8Array, string, V>

const SUBLEVEL_NAME = /^[a-z0-9][a-z0-9._-]*$/i

/**
 * A node's storage: image bytes in image files (assembled in place, never copied into a
 * database) and, in a level database under `<dataDir>/db`, the metadata: manifests, where each
 * image's bytes are, the resume bitfield of each download, and other components' sublevels.
 */
export class ChunkStore {
  readonly dataDir: string
  readonly #db: Db
  readonly #records: ImageRecords
  readonly #manifests: MetadataSublevel<Uint8Array>
  readonly #init: Required<Omit<ChunkStoreInit, 'openFile'>>
  readonly #openFile: OpenImageFile
  /** Images open (or being opened) now, by manifest CID: one handle per image file. */
  readonly #open = new Map<string, ImageSource | 'opening'>()
  #closed = false

  private constructor(dataDir: string, db: Db, init: ChunkStoreInit) {
    this.dataDir = dataDir
    this.#db = db
    this.#records = new ImageRecords(db)
    this.#manifests = db.sublevel<string, Uint8Array>('manifests', { valueEncoding: 'view' })
    this.#init = {
      flushChunks: init.flushChunks ?? DEFAULT_FLUSH_CHUNKS,
      flushIntervalMs: init.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS,
    }
    this.#openFile = init.openFile ?? ((path, flags) => open(path, flags))
  }

  /** Opens (creating if needed) the store in `dataDir`; refused if another process holds it. */
  static async open(dataDir: string, init: ChunkStoreInit = {}): Promise<ChunkStore> {
    const dir = resolve(dataDir)
    const dbDir = join(dir, DB_DIR_NAME)
    try {
      await mkdir(dbDir, { recursive: true })
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EEXIST') throw new StorageError(`data directory ${dbDir} is not a directory: choose another --data-dir`)
      throw storageError(err, `creating data directory ${dbDir}`, dbDir)
    }
    const db: Db = new Level<string, Uint8Array>(dbDir, {
      valueEncoding: 'view',
      cacheSize: DEFAULT_DB_CACHE_BYTES,
      writeBufferSize: DEFAULT_DB_WRITE_BUFFER_BYTES,
    })
    try {
      await db.open()
    } catch (err) {
      const cause = (err as { cause?: NodeJS.ErrnoException }).cause
      if ((cause as { code?: string } | undefined)?.code === 'LEVEL_LOCKED') {
        throw new StoreLockedError(
          `data directory ${dir} is in use by another imgswarm process (database ${dbDir} is locked): ` +
            'stop that process or choose another --data-dir',
          { cause: err },
        )
      }
      if (cause?.code !== undefined && cause.code.startsWith('E')) {
        throw storageError(cause, `opening database ${dbDir}`, join(dbDir, 'LOCK'))
      }
      throw new StorageError(`cannot open database ${dbDir}: ${(cause ?? (err as Error)).message}`, { cause: err })
    }
    return new ChunkStore(dir, db, init)
  }

  /** Closes every open image (flushing downloads), then the database. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    try {
      const images = [...this.#open.values()].filter((image) => image !== 'opening')
      const results = await Promise.allSettled(images.map((image) => image.close()))
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failed !== undefined) throw failed.reason
    } finally {
      await this.#db.close()
    }
  }

  async putManifest(cid: string, bytes: Uint8Array): Promise<void> {
    this.#expectOpen()
    checkCid(cid)
    const batch = this.#db.batch().put(cid, bytes, { sublevel: this.#manifests })
    await this.#dbOp(`saving manifest ${cid}`, () => batch.write({ sync: true }))
  }

  async getManifest(cid: string): Promise<Uint8Array | undefined> {
    this.#expectOpen()
    checkCid(cid)
    return this.#dbOp(`reading manifest ${cid}`, () => this.#manifests.get(cid))
  }

  /** CIDs of every manifest stored, in key order. */
  async listManifests(): Promise<string[]> {
    this.#expectOpen()
    return this.#dbOp('listing manifests', () => this.#manifests.keys().all())
  }

  /** Where an image version's bytes are on this node, if anywhere. */
  async image(cid: string): Promise<ImageRecord | undefined> {
    this.#expectOpen()
    return this.#records.get(cid)
  }

  /** Every image this node has recorded (downloads in progress, complete images, seeds). */
  async listImages(): Promise<ImageRecord[]> {
    this.#expectOpen()
    return this.#records.list()
  }

  /**
   * A sublevel for another component's metadata (the agent's, the coordinator's), apart from
   * the store's own keys. `name`: letters, digits, `.`, `_`, `-`.
   */
  sublevel<V = unknown>(name: string, options: { valueEncoding?: string } = {}): MetadataSublevel<V> {
    this.#expectOpen()
    if (!SUBLEVEL_NAME.test(name)) {
      throw new InvalidInputError(`sublevel name ${JSON.stringify(name)} must be letters, digits, '.', '_' or '-'`)
    }
    return this.#db.sublevel<string, V>(['ext', name], { valueEncoding: options.valueEncoding ?? 'json' })
  }

  /**
   * Opens the download of image `cid` into `partialPath` (see `partialPathFor`), resuming from
   * the persisted bitfield when the recorded partial file is still there, unchanged in identity
   * and size; otherwise from nothing. If the image was already downloaded through this partial
   * path and its output is intact, the handle is complete and finalized at that output.
   */
  async openDownload(
    cid: string,
    manifest: ImageManifest,
    partialPath: string,
    init: ImageDownloadInit = {},
  ): Promise<ImageDownload> {
    this.#expectOpen()
    checkCid(cid)
    checkChunkLayout(manifest)
    const partial = resolve(partialPath)
    this.#claim(cid)
    try {
      const opened = await this.#openDownload(cid, manifest, partial, init)
      this.#open.set(cid, opened)
      return opened
    } catch (err) {
      this.#open.delete(cid)
      throw err
    }
  }

  /**
   * Serves a complete image read-only from an existing file (the publisher's original); the
   * file must have the manifest's size. Recorded, so a restarted seed can find it again.
   */
  async openSeed(cid: string, manifest: ImageManifest, sourcePath: string): Promise<ImageSource> {
    this.#expectOpen()
    checkCid(cid)
    checkChunkLayout(manifest)
    const path = resolve(sourcePath)
    this.#claim(cid)
    try {
      const fh = await this.#openImageFile(path, 'r', `opening image ${path}`)
      try {
        const { size, ino, birthtimeMs } = await fh.stat()
        if (size !== manifest.size) {
          throw new ImageSizeMismatchError(`${path} is ${size} bytes but manifest ${cid} says ${manifest.size}`)
        }
        const seed = new SeedImage(cid, manifest, path, fh, () => this.#open.delete(cid))
        await this.#records.save(
          {
            cid,
            state: 'complete',
            origin: 'seed',
            path,
            size,
            chunkCount: manifest.chunks.length,
            ino,
            birthtimeMs,
            updatedAt: now(),
          },
          null,
        )
        this.#open.set(cid, seed)
        return seed
      } catch (err) {
        await fh.close()
        throw err
      }
    } catch (err) {
      this.#open.delete(cid)
      throw err
    }
  }

  async #openDownload(
    cid: string,
    manifest: ImageManifest,
    partial: string,
    init: ImageDownloadInit,
  ): Promise<PartialImage> {
    const chunkCount = manifest.chunks.length
    let record = await this.#records.get(cid)
    const fits = record !== undefined && record.size === manifest.size && record.chunkCount === chunkCount
    if (record !== undefined && fits && record.origin === 'download' && record.partialPath === partial) {
      // A finalize that crashed after its rename: the output is in place, finish the record.
      if (record.state === 'downloading' && record.finalPath !== undefined && (await this.#intact(record, partial)) === false) {
        const moved = { ...record, path: record.finalPath }
        if (await this.#intact(moved, moved.path)) {
          record = { ...moved, state: 'complete', updatedAt: now() }
          delete record.finalPath
          await this.#records.save(record, null)
        }
      }
      if (record.state === 'complete' && (await this.#intact(record, record.path))) {
        return this.#openComplete(record, manifest, init)
      }
    }
    let resumed: Bitfield | undefined
    if (record !== undefined && fits && record.state === 'downloading' && record.origin === 'download') {
      if (record.path !== partial && (await this.#intact(record, record.path))) {
        // Same image, new partial path (another --out): carry the bytes over when a rename can.
        // Any failure here only means starting over: the identity check below decides.
        await rename(record.path, partial)
          .then(() => syncDirectory(dirname(partial), this.#openFile))
          .catch(() => undefined)
      }
      if (await this.#intact(record, partial)) resumed = await this.#records.getBitfield(cid, chunkCount)
    }
    const fh = await this.#openPartialFile(partial, manifest.size)
    try {
      const { ino, birthtimeMs } = await fh.stat()
      const durable = resumed ?? new Bitfield(chunkCount)
      const fresh: ImageRecord = {
        cid,
        state: 'downloading',
        origin: 'download',
        path: partial,
        partialPath: partial,
        size: manifest.size,
        chunkCount,
        ino,
        birthtimeMs,
        updatedAt: now(),
      }
      await this.#records.save(fresh, durable)
      return this.#partialImage(fresh, manifest, fh, durable, init)
    } catch (err) {
      await fh.close()
      throw err
    }
  }

  async #openComplete(record: ImageRecord, manifest: ImageManifest, init: ImageDownloadInit): Promise<PartialImage> {
    const fh = await this.#openImageFile(record.path, 'r', `opening image ${record.path}`)
    return this.#partialImage(record, manifest, fh, Bitfield.full(record.chunkCount), init)
  }

  #partialImage(
    record: ImageRecord,
    manifest: ImageManifest,
    fh: ImageFileHandle,
    durable: Bitfield,
    init: ImageDownloadInit,
  ): PartialImage {
    return new PartialImage({
      manifest,
      fh,
      record,
      durable,
      records: this.#records,
      openFile: this.#openFile,
      init: { ...this.#init, ...withoutUndefined(init) },
      onClose: () => this.#open.delete(record.cid),
    })
  }

  /** The partial file, opened for positional writes (never O_APPEND) and sized to the image. */
  async #openPartialFile(path: string, size: number): Promise<ImageFileHandle> {
    let fh: ImageFileHandle
    let created = false
    try {
      fh = await this.#openFile(path, 'r+')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw storageError(err, `opening partial file ${path}`, path)
      fh = await this.#openImageFile(path, 'w+', `creating partial file ${path}`)
      created = true
    }
    try {
      const stat = await fh.stat()
      if (stat.size !== size) await fh.truncate(size) // sparse: no blocks until chunks arrive
    } catch (err) {
      await fh.close()
      throw storageError(err, `sizing partial file ${path} to ${size} bytes`, path)
    }
    if (created) {
      try {
        await syncDirectory(dirname(path), this.#openFile)
      } catch (err) {
        await fh.close()
        throw storageError(err, `syncing the directory of ${path}`, path)
      }
    }
    return fh
  }

  async #openImageFile(path: string, flags: string, action: string): Promise<ImageFileHandle> {
    try {
      return await this.#openFile(path, flags)
    } catch (err) {
      throw storageError(err, action, path)
    }
  }

  /** True if `path` is the very file recorded (identity and size): the bytes we wrote are there. */
  async #intact(record: ImageRecord, path: string): Promise<boolean> {
    const stat = await statIfExists(path).catch(() => undefined)
    return (
      stat !== undefined &&
      stat.isFile() &&
      stat.size === record.size &&
      stat.ino === record.ino &&
      // Inode numbers are reused at once; the birth time (statx) tells a new file apart. Where a
      // file system has no birth time it reads 0 and only the inode counts. (Without statx at all,
      // libuv would report ctime, which every write changes: resume would then restart, safely.)
      stat.birthtimeMs === record.birthtimeMs
    )
  }

  #claim(cid: string): void {
    if (this.#open.has(cid)) {
      throw new ImageStateError(`image ${cid} is already open in this store: close it first`)
    }
    // Claimed before the first await, so two concurrent opens cannot both proceed.
    this.#open.set(cid, 'opening')
  }

  #expectOpen(): void {
    if (this.#closed) throw new ImageStateError(`chunk store ${this.dataDir} is closed`)
  }

  async #dbOp<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      if (err instanceof ImgswarmError) throw err
      throw new StorageError(`metadata database failed ${action}: ${(err as Error).message}`, { cause: err })
    }
  }
}

function checkCid(cid: string): void {
  if (typeof cid !== 'string' || cid.length === 0 || cid.length > 200) {
    throw new InvalidInputError(`manifest CID must be a non-empty string, got ${JSON.stringify(cid)}`)
  }
}

function now(): string {
  return new Date().toISOString()
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
