import { verify } from 'node:crypto'
import { InvalidInputError, type ImageManifest, type SignedManifest } from '@imgswarm/core'
import { encodeManifestBody } from './codec.js'
import type { PublisherKey } from './publisher-key.js'
import { publicKeyObject } from './public-key.js'
import { MANIFEST_SIGNATURE_DOMAIN } from './schema.js'

/** The exact bytes a manifest signature covers: the domain prefix, then the canonical body. */
export function manifestSigningPayload(m: ImageManifest): Uint8Array {
  const body = encodeManifestBody(m)
  const payload = new Uint8Array(MANIFEST_SIGNATURE_DOMAIN.byteLength + body.byteLength)
  payload.set(MANIFEST_SIGNATURE_DOMAIN, 0)
  payload.set(body, MANIFEST_SIGNATURE_DOMAIN.byteLength)
  return payload
}

/** Signs a manifest body with `key`; the manifest's `publisher` must be that key. */
export function signManifest(m: ImageManifest, key: PublisherKey): Uint8Array {
  if (m.publisher !== key.publicKey) {
    throw new InvalidInputError(`manifest names publisher ${m.publisher} but is being signed with ${key.publicKey}`)
  }
  return key.sign(manifestSigningPayload(m))
}

/** True if `m.signature` is the manifest publisher's signature over the signing payload. */
export function isSignatureValid(m: SignedManifest): boolean {
  return verify(null, manifestSigningPayload(m.manifest), publicKeyObject(m.manifest.publisher), m.signature)
}
