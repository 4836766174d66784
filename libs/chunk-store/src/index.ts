/**
 * @packageDocumentation
 * A node's storage. Chunk bytes are written straight into the image file being assembled, at
 * their offsets (as torrent clients do), and read back from it to serve peers; nothing is copied
 * into a database. A level database holds the metadata: manifests by CID, where each image's
 * bytes are, the verified-chunk bitfield of each download (the resume state) and sublevels for
 * other components. A chunk's bit is persisted only after a `datasync` made its bytes durable,
 * so after a crash at any moment every recorded chunk is really on disk.
 *
 * @example
 * ```ts
 * const store = await ChunkStore.open(dataDir)
 * await store.putManifest(cid, manifestBytes)
 * const image = await store.openDownload(cid, manifest, partialPathFor(outPath))
 * await image.write(index, verifiedBytes) // for every chunk, in any order
 * await image.finalize(outPath) // atomic rename once complete
 * await store.close()
 * ```
 */
export { DEFAULT_FLUSH_CHUNKS, DEFAULT_FLUSH_INTERVAL_MS, PARTIAL_FILE_SUFFIX } from './constants.js'
export {
  ChunkLengthError,
  ChunkNotAvailableError,
  DiskFullError,
  ImageSizeMismatchError,
  ImageStateError,
  StoreLockedError,
} from './errors.js'
export { ChunkStore, type MetadataSublevel } from './chunk-store.js'
export { partialPathFor } from './image-file.js'
export { verifyFile } from './verify-file.js'
export type {
  ChunkStoreInit,
  FileVerification,
  ImageDownload,
  ImageDownloadInit,
  ImageFileHandle,
  ImageRecord,
  ImageSource,
  OpenImageFile,
  VerifyChunkFn,
} from './types.js'
