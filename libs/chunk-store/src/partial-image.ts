import { rename } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { Bitfield, ChunkBytes, ChunkIndex, ChunkRef, ImageManifest } from '@imgswarm/core'
import { chunkAt } from './chunk-layout.js'
import { ChunkLengthError, ChunkNotAvailableError, ImageStateError } from './errors.js'
import { storageError } from './fs-errors.js'
import { readFully, syncDirectory, writeFully } from './image-file.js'
import type { ImageRecords } from './image-records.js'
import type { ImageDownload, ImageDownloadInit, ImageFileHandle, ImageRecord, OpenImageFile } from './types.js'

/** Everything a PartialImage is built from; the ChunkStore assembles it in `openDownload`. */
export interface PartialImageParts {
  manifest: ImageManifest
  fh: ImageFileHandle
  record: ImageRecord
  /** The resume state: chunks whose bytes are durable in the file (copied, not shared). */
  durable: Bitfield
  records: ImageRecords
  /** Opens directories to fsync them after the final rename. */
  openFile: OpenImageFile
  init: Required<Pick<ImageDownloadInit, 'flushChunks' | 'flushIntervalMs'>> & ImageDownloadInit
  /** Called once the handle is closed (the store forgets it). */
  onClose: () => void
}

type State = 'writing' | 'finalizing' | 'finalized' | 'closed'

/**
 * An image assembled in place in its partial file: the file handle stays open, chunk bytes go
 * to their offsets, and the verified bitfield reaches level only after a `datasync` covered
 * every chunk in it. Memory use is the bitfields and the chunks in flight, whatever the size.
 */
export class PartialImage implements ImageDownload {
  readonly cid: string
  readonly manifest: ImageManifest
  readonly verified: Bitfield
  readonly #fh: ImageFileHandle
  readonly #records: ImageRecords
  readonly #openFile: OpenImageFile
  readonly #init: PartialImageParts['init']
  readonly #onClose: () => void
  #record: ImageRecord
  #durable: Bitfield
  #state: State
  readonly #inflight = new Set<Promise<unknown>>()
  #sinceFlush = 0
  #timer: NodeJS.Timeout | undefined
  #flushChain: Promise<void> = Promise.resolve()
  #deferredError: Error | undefined
  #closing: Promise<void> | undefined

  constructor(parts: PartialImageParts) {
    this.cid = parts.record.cid
    this.manifest = parts.manifest
    this.#fh = parts.fh
    this.#record = parts.record
    this.#records = parts.records
    this.#openFile = parts.openFile
    this.#init = parts.init
    this.#onClose = parts.onClose
    this.#durable = parts.durable.clone()
    this.verified = parts.durable.clone()
    this.#state = parts.record.state === 'complete' ? 'finalized' : 'writing'
  }

  get path(): string {
    return this.#record.path
  }

  get durable(): Bitfield {
    return this.#durable
  }

  get complete(): boolean {
    return this.verified.complete
  }

  get finalized(): boolean {
    return this.#state === 'finalized'
  }

  has(index: ChunkIndex): boolean {
    return this.verified.has(index)
  }

  async write(index: ChunkIndex, bytes: ChunkBytes): Promise<void> {
    this.#expectState('writing', `write chunk ${index}`)
    const ref = chunkAt(this.manifest, index)
    if (bytes.byteLength !== ref.length) {
      throw new ChunkLengthError(`chunk ${index} of image ${this.cid} is ${ref.length} bytes long, got ${bytes.byteLength}`)
    }
    this.#throwDeferredError()
    if (this.verified.has(index)) return
    await this.#track(this.#writeChunk(index, ref, bytes))
  }

  async read(index: ChunkIndex): Promise<Uint8Array> {
    if (this.#state === 'closed') throw new ImageStateError(`image ${this.cid} is closed: cannot read chunk ${index}`)
    const ref = chunkAt(this.manifest, index)
    if (!this.verified.has(index)) {
      throw new ChunkNotAvailableError(`chunk ${index} of image ${this.cid} is not verified on this node yet`)
    }
    return this.#track(this.#readChunk(index, ref))
  }

  async flush(): Promise<void> {
    this.#throwDeferredError()
    await this.#enqueueFlush()
  }

  async finalize(outPath: string): Promise<void> {
    const target = resolve(outPath)
    if (this.#state === 'finalized') {
      if (target === this.path) return
      throw new ImageStateError(`image ${this.cid} is already complete at ${this.path}, not at ${target}`)
    }
    this.#expectState('writing', 'finalize')
    if (!this.complete) {
      throw new ImageStateError(
        `image ${this.cid} is not complete: ${this.verified.count} of ${this.verified.length} chunks verified`,
      )
    }
    this.#state = 'finalizing'
    try {
      await Promise.allSettled([...this.#inflight])
      await this.#track(this.#finalize(target))
      if (this.#state === 'finalizing') this.#state = 'finalized'
    } catch (err) {
      if (this.#state === 'finalizing') this.#state = 'writing'
      throw err
    }
  }

  /** Waits for writes and reads in flight, makes what was written durable, and closes the file. */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    const wasWritable = this.#state === 'writing' || this.#state === 'finalizing'
    this.#state = 'closed'
    try {
      await Promise.allSettled(this.#inflight)
      this.#clearTimer()
      if (wasWritable) await this.#enqueueFlush()
    } finally {
      try {
        await this.#fh.close()
      } finally {
        this.#onClose()
      }
    }
  }

  async #writeChunk(index: ChunkIndex, ref: ChunkRef, bytes: ChunkBytes): Promise<void> {
    const path = this.path
    try {
      await writeFully(this.#fh, bytes, ref.offset)
    } catch (err) {
      throw storageError(err, `writing ${path} (chunk ${index} at offset ${ref.offset})`, path)
    }
    if (this.verified.set(index)) {
      this.#sinceFlush++
      this.#scheduleFlush()
    }
  }

  async #readChunk(index: ChunkIndex, ref: ChunkRef): Promise<Uint8Array> {
    const path = this.path
    try {
      return await readFully(this.#fh, ref.length, ref.offset)
    } catch (err) {
      throw storageError(err, `reading ${path} (chunk ${index} at offset ${ref.offset})`, path)
    }
  }

  async #finalize(target: string): Promise<void> {
    this.#clearTimer()
    this.#throwDeferredError()
    await this.#enqueueFlush()
    const from = this.path
    // Recorded first: a crash right after the rename is recognised on reopen by this field.
    await this.#records.save({ ...this.#record, finalPath: target, updatedAt: new Date().toISOString() })
    try {
      await rename(from, target)
    } catch (err) {
      throw storageError(err, `moving ${from} to ${target}`, target)
    }
    this.#record = { ...this.#record, path: target }
    for (const dir of new Set([dirname(target), dirname(from)])) {
      try {
        await syncDirectory(dir, this.#openFile)
      } catch (err) {
        throw storageError(err, `syncing directory ${dir}`, target)
      }
    }
    const done: ImageRecord = { ...this.#record, state: 'complete', path: target, updatedAt: new Date().toISOString() }
    delete done.finalPath
    await this.#records.save(done, null)
    this.#record = done
  }

  #scheduleFlush(): void {
    if (this.#state !== 'writing') return
    if (this.#sinceFlush >= this.#init.flushChunks) {
      this.#flushInBackground()
      return
    }
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#flushInBackground(), this.#init.flushIntervalMs)
      this.#timer.unref()
    }
  }

  #flushInBackground(): void {
    this.#clearTimer()
    this.#enqueueFlush().catch((err: Error) => {
      this.#deferredError = err
      this.#init.onError?.(err)
    })
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#sinceFlush = 0
  }

  /** Flushes run one after another; each covers every chunk written before it started. */
  #enqueueFlush(): Promise<void> {
    const run = this.#flushChain.then(() => this.#flushOnce())
    this.#flushChain = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }

  async #flushOnce(): Promise<void> {
    // durable ⊆ verified always, so equal counts mean nothing new.
    if (this.verified.count === this.#durable.count) return
    // Taken before the datasync: every bit in it belongs to a write that has completed, so the
    // datasync covers its bytes. Chunks finishing during the datasync wait for the next flush.
    const snapshot = this.verified.clone()
    const path = this.path
    try {
      await this.#fh.datasync()
    } catch (err) {
      // After a failed fsync the kernel may have dropped the dirty pages: trust nothing unsynced.
      this.#dropUndurable()
      throw storageError(err, `syncing ${path} to disk`, path)
    }
    await this.#records.saveBitfield(this.cid, snapshot)
    this.#durable = snapshot
    this.#init.onDurable?.(snapshot)
  }

  #dropUndurable(): void {
    for (const index of [...this.verified.indices()]) {
      if (!this.#durable.has(index)) this.verified.clear(index)
    }
  }

  #throwDeferredError(): void {
    const err = this.#deferredError
    if (err === undefined) return
    this.#deferredError = undefined
    throw err
  }

  #expectState(state: State, what: string): void {
    if (this.#state === state) return
    const why =
      this.#state === 'closed'
        ? 'it is closed'
        : this.#state === 'finalized'
          ? `it is complete at ${this.path}`
          : 'it is being finalized'
    throw new ImageStateError(`cannot ${what} of image ${this.cid}: ${why}`)
  }

  async #track<T>(op: Promise<T>): Promise<T> {
    this.#inflight.add(op)
    try {
      return await op
    } finally {
      this.#inflight.delete(op)
    }
  }
}
