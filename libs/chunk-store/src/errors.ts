import { ImgswarmError, InvalidInputError, NotFoundError, StorageError } from '@imgswarm/core'

/** The disk (or the quota, or the process's file size limit) has no room for what was written. */
export class DiskFullError extends StorageError {
  static override name = 'DiskFullError'
}

/** The data directory's level database is held by another process (or another store in this one). */
export class StoreLockedError extends StorageError {
  static override name = 'StoreLockedError'
}

/** A chunk was read that this node has not verified (yet). */
export class ChunkNotAvailableError extends NotFoundError {
  static override name = 'ChunkNotAvailableError'
}

/** Bytes offered for a chunk do not have the length the manifest gives it. */
export class ChunkLengthError extends InvalidInputError {
  static override name = 'ChunkLengthError'
}

/** A file offered as a complete image does not have the manifest's size. */
export class ImageSizeMismatchError extends InvalidInputError {
  static override name = 'ImageSizeMismatchError'
}

/** An operation that the image's state does not allow: closed, not complete, already open. */
export class ImageStateError extends ImgswarmError {
  static override name = 'ImageStateError'
}
