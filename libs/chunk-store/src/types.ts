import type { Bitfield, ChunkBytes, ChunkIndex, ChunkRef, ImageManifest } from '@imgswarm/core'

/**
 * An image version this node can serve chunks of: a complete file (a seed) or a download in
 * progress. Peers are served through `read`, only for chunks in `verified`.
 */
export interface ImageSource {
  /** The manifest CID naming this image version. */
  readonly cid: string
  readonly manifest: ImageManifest
  /** Absolute path of the file holding the bytes now. */
  readonly path: string
  /** Chunks whose bytes are verified and in the file (live: the same object changes as chunks arrive). */
  readonly verified: Bitfield
  has(index: ChunkIndex): boolean
  /** The chunk's bytes, read from the file; refused for a chunk not in `verified`. */
  read(index: ChunkIndex): Promise<Uint8Array>
  close(): Promise<void>
}

/**
 * An image being assembled in a partial file. Chunk bytes go straight to their offset in the
 * file; the verified-chunk bitfield is the resume state, persisted in level only for chunks
 * whose bytes have been made durable (`datasync`) first.
 */
export interface ImageDownload extends ImageSource {
  /** What is persisted: every chunk in it has durable, verified bytes (an immutable snapshot). */
  readonly durable: Bitfield
  /** True once every chunk is verified. */
  readonly complete: boolean
  /** True once the file has been moved to its output path (reads still work, writes do not). */
  readonly finalized: boolean
  /**
   * Writes bytes the caller has already verified against the chunk's CID at the chunk's offset,
   * then marks the chunk verified. A chunk already verified is not written again.
   */
  write(index: ChunkIndex, bytes: ChunkBytes): Promise<void>
  /** Makes every verified chunk durable now: `datasync` the file, then persist the bitfield. */
  flush(): Promise<void>
  /**
   * Once complete: flush, then atomically rename the partial file to `outPath` (same file system)
   * and fsync the directory. The image stays readable through this handle until `close()`.
   */
  finalize(outPath: string): Promise<void>
}

/** Where an image version's bytes are on this node, as recorded in level. */
export interface ImageRecord {
  cid: string
  /** `downloading`: bytes in a partial file, resume state in the bitfield; `complete`: every chunk. */
  state: 'downloading' | 'complete'
  /** `download`: assembled from peers; `seed`: served from a file this node already had. */
  origin: 'download' | 'seed'
  /** Absolute path of the file holding the bytes now. */
  path: string
  /** The partial file a download was assembled in (the key for resuming it). */
  partialPath?: string
  /** Set while a finalize is under way: the output path the partial file is being renamed to. */
  finalPath?: string
  size: number
  chunkCount: number
  /**
   * Identity of the file when recorded (inode and creation time: an inode number alone is soon
   * reused): a file replaced by another one, even of the same size, is not trusted.
   */
  ino: number
  birthtimeMs: number
  /** ISO-8601 time of the last change. */
  updatedAt: string
}

/** Tunables of a download; defaults from `constants.ts`, store-wide values from `ChunkStoreInit`. */
export interface ImageDownloadInit {
  /** Make written chunks durable after this many (default DEFAULT_FLUSH_CHUNKS). */
  flushChunks?: number
  /** …or this many milliseconds after the first unflushed write (default DEFAULT_FLUSH_INTERVAL_MS). */
  flushIntervalMs?: number
  /** Called after each flush with what is now durable (for counters). */
  onDurable?: (durable: Bitfield) => void
  /**
   * Called when a background flush fails. The chunks it could not make durable are removed from
   * `verified` (they will be fetched again); the error is also thrown by the next write or flush.
   */
  onError?: (err: Error) => void
}

/**
 * The file operations the store uses; `fs.promises.FileHandle` has this shape. Injectable so
 * tests can stand between the store and the disk (delay or fail a `datasync`).
 */
export interface ImageFileHandle {
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>
  /** Gathered write of `buffers` in order at `position` (one system call for a chunk's pieces). */
  writev(buffers: Uint8Array[], position: number): Promise<{ bytesWritten: number }>
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>
  datasync(): Promise<void>
  sync(): Promise<void>
  stat(): Promise<{ size: number; ino: number; birthtimeMs: number }>
  truncate(length: number): Promise<void>
  close(): Promise<void>
}

/** Opens a file: `fs.promises.open` unless a test injects something else. */
export type OpenImageFile = (path: string, flags: string) => Promise<ImageFileHandle>

export interface ChunkStoreInit extends Omit<ImageDownloadInit, 'onDurable' | 'onError'> {
  /** File opener (default `fs.promises.open`). */
  openFile?: OpenImageFile
}

/** Checks one chunk's bytes (e.g. `(ref, bytes) => isChunkValid(ref.cid, bytes)` from the chunker). */
export type VerifyChunkFn = (ref: ChunkRef, bytes: Uint8Array, index: ChunkIndex) => boolean | Promise<boolean>

/** What `verifyFile` found. */
export interface FileVerification {
  /** True when the size matches and every chunk verifies. */
  ok: boolean
  /** The file's size in bytes. */
  size: number
  /** Chunks whose bytes did not verify (empty when the size is wrong: nothing was checked). */
  badChunks: ChunkIndex[]
}
