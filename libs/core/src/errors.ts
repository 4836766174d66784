/**
 * Base class of every error imgswarm raises on purpose. `code` is stable and machine-readable
 * (used for CLI exit messages and REST error bodies); the message is for people.
 */
export class ImgswarmError extends Error {
  static override name = 'ImgswarmError'
  readonly code: string = 'ERR_IMGSWARM'

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = (this.constructor as typeof ImgswarmError).name
  }
}

/** A chunk's bytes do not hash to the CID the manifest names for it. */
export class ChunkHashMismatchError extends ImgswarmError {
  static override name = 'ChunkHashMismatchError'
  override readonly code = 'ERR_CHUNK_HASH_MISMATCH'
}

/** Input that does not parse or breaks a declared limit (wire messages, manifests, files). */
export class InvalidInputError extends ImgswarmError {
  static override name = 'InvalidInputError'
  override readonly code = 'ERR_INVALID_INPUT'
}

/** A manifest's signature does not verify. */
export class ManifestSignatureError extends ImgswarmError {
  static override name = 'ManifestSignatureError'
  override readonly code = 'ERR_MANIFEST_SIGNATURE'
}

/** A manifest is signed by a key that is not trusted. */
export class UntrustedPublisherError extends ImgswarmError {
  static override name = 'UntrustedPublisherError'
  override readonly code = 'ERR_UNTRUSTED_PUBLISHER'
}

/** Something looked up by id (manifest CID, image, node, rollout) does not exist. */
export class NotFoundError extends ImgswarmError {
  static override name = 'NotFoundError'
  override readonly code = 'ERR_NOT_FOUND'
}

/** A peer broke the wire protocol: oversized or malformed frame, unexpected message. */
export class ProtocolError extends ImgswarmError {
  static override name = 'ProtocolError'
  override readonly code = 'ERR_PROTOCOL'
}

/** Local storage failed: disk full, file too large, permission denied, missing directory. */
export class StorageError extends ImgswarmError {
  static override name = 'StorageError'
  override readonly code = 'ERR_STORAGE'
}
