import { InvalidInputError } from '@imgswarm/core'

/** Encoded manifest bytes that break the format: not canonical DAG-CBOR, wrong shape, a broken limit. */
export class ManifestFormatError extends InvalidInputError {
  static override name = 'ManifestFormatError'
}

/** Manifest bytes that do not hash to the CID they were asked for under. */
export class ManifestCidMismatchError extends InvalidInputError {
  static override name = 'ManifestCidMismatchError'
}

/** A string that is not an ed25519 public key in the `z6Mk…` multibase multicodec form. */
export class PublicKeyFormatError extends InvalidInputError {
  static override name = 'PublicKeyFormatError'
}

/** A publisher key file that exists but does not hold a usable ed25519 private key. */
export class PublisherKeyFileError extends InvalidInputError {
  static override name = 'PublisherKeyFileError'
}
