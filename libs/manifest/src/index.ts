/**
 * @packageDocumentation
 * Image manifests: their canonical DAG-CBOR encoding, ed25519 signing with the publisher key kept
 * in a data directory, and the strict path that turns bytes from an untrusted peer into a
 * manifest an agent may act on (`openManifest`: CID check, bounded strict decode, signature,
 * publisher trust). A manifest's CID (v1, dag-cbor, sha2-256 of its bytes) names an image version.
 *
 * @example
 * ```ts
 * const key = await loadOrCreatePublisherKey(dataDir)
 * const { bytes, cid } = createSignedManifest({ name, version, size, chunking, chunks }, key)
 * // on an agent, with bytes from a peer:
 * const { manifest } = openManifest(bytes, { expectedCid: cid, trusted: [key.publicKey] })
 * ```
 */
export {
  DEFAULT_MAX_MANIFEST_BYTES,
  MAX_NAME_LENGTH,
  MAX_VERSION_LENGTH,
  PUBLISHER_KEY_FILE,
} from './constants.js'
export { ManifestCidMismatchError, ManifestFormatError, PublicKeyFormatError, PublisherKeyFileError } from './errors.js'
export { MANIFEST_FORMAT, MANIFEST_SIGNATURE_DOMAIN } from './schema.js'
export { CHUNKING_ALGORITHM, validateManifest, validateSignedManifest } from './validate.js'
export {
  decodeSignedManifest,
  encodeManifestBody,
  encodeSignedManifest,
  manifestCid,
  parseManifestCid,
  type DecodeManifestOptions,
} from './codec.js'
export { ED25519_PUBLIC_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, parsePublicKey, publicKeyToString } from './public-key.js'
export {
  generatePublisherKey,
  loadOrCreatePublisherKey,
  publisherKeyFromPem,
  type PublisherKey,
} from './publisher-key.js'
export { manifestSigningPayload, signManifest } from './signature.js'
export { createSignedManifest, type CreatedManifest, type ManifestInit } from './create-manifest.js'
export {
  checkSignature,
  checkTrustedPublisher,
  openManifest,
  trustKeys,
  verifySignedManifest,
  type ManifestCheck,
  type ManifestCheckContext,
  type OpenManifestOptions,
  type TrustPolicy,
  type VerifyManifestOptions,
} from './verify.js'
