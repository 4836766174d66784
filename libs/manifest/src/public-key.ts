import { createPublicKey, KeyObject } from 'node:crypto'
import { base58btc } from 'multiformats/bases/base58'
import { PublicKeyFormatError } from './errors.js'
import { quote } from './quote.js'

/** The multicodec code `ed25519-pub` (0xed) as an unsigned varint: the first two bytes of a key. */
const ED25519_PUB_MULTICODEC = Uint8Array.of(0xed, 0x01)

/** Length of a raw ed25519 public key. */
export const ED25519_PUBLIC_KEY_LENGTH = 32

/** Length of an ed25519 signature. */
export const ED25519_SIGNATURE_LENGTH = 64

/**
 * Formats an ed25519 public key as `'z' + base58btc(0xed 0x01 ‖ key)`, the `z6Mk…` form did:key
 * uses. Takes the 32 raw key bytes or a node:crypto key (a private key gives its public half).
 */
export function publicKeyToString(key: Uint8Array | KeyObject): string {
  const raw = key instanceof KeyObject ? rawPublicKey(key) : key
  if (!(raw instanceof Uint8Array) || raw.byteLength !== ED25519_PUBLIC_KEY_LENGTH) {
    throw new PublicKeyFormatError(`an ed25519 public key is ${ED25519_PUBLIC_KEY_LENGTH} bytes`)
  }
  const bytes = new Uint8Array(ED25519_PUB_MULTICODEC.byteLength + raw.byteLength)
  bytes.set(ED25519_PUB_MULTICODEC, 0)
  bytes.set(raw, ED25519_PUB_MULTICODEC.byteLength)
  return base58btc.encode(bytes)
}

/**
 * Parses a `z6Mk…` public key string into its 32 raw bytes. Anything else (another multibase,
 * another key type, a wrong length, a non-canonical spelling) is a `PublicKeyFormatError`.
 */
export function parsePublicKey(str: string): Uint8Array {
  if (typeof str !== 'string') {
    throw new PublicKeyFormatError(`a publisher key must be a string, got ${typeof str}`)
  }
  if (!str.startsWith('z')) {
    throw new PublicKeyFormatError(`publisher key ${quote(str)} must be base58btc multibase (start with "z6Mk")`)
  }
  let bytes: Uint8Array
  try {
    bytes = base58btc.decode(str)
  } catch (err) {
    throw new PublicKeyFormatError(`publisher key ${quote(str)} is not valid base58btc`, { cause: err })
  }
  const expected = ED25519_PUB_MULTICODEC.byteLength + ED25519_PUBLIC_KEY_LENGTH
  if (bytes[0] !== ED25519_PUB_MULTICODEC[0] || bytes[1] !== ED25519_PUB_MULTICODEC[1]) {
    throw new PublicKeyFormatError(`publisher key ${quote(str)} is not an ed25519 public key (multicodec 0xed)`)
  }
  if (bytes.byteLength !== expected) {
    throw new PublicKeyFormatError(
      `publisher key ${quote(str)} holds ${bytes.byteLength - 2} key bytes, an ed25519 key has ${ED25519_PUBLIC_KEY_LENGTH}`,
    )
  }
  const raw = bytes.slice(ED25519_PUB_MULTICODEC.byteLength)
  // One key, one spelling: keys are compared as strings once parsed.
  if (publicKeyToString(raw) !== str) {
    throw new PublicKeyFormatError(`publisher key ${quote(str)} is not in canonical form`)
  }
  return raw
}

/** A node:crypto public key for a `z6Mk…` string, for `crypto.verify`. */
export function publicKeyObject(str: string): KeyObject {
  const raw = parsePublicKey(str)
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  })
}

function rawPublicKey(key: KeyObject): Uint8Array {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new PublicKeyFormatError(`expected an ed25519 key, got ${key.asymmetricKeyType ?? key.type}`)
  }
  const pub = key.type === 'private' ? createPublicKey(key) : key
  const { x } = pub.export({ format: 'jwk' })
  return new Uint8Array(Buffer.from(x as string, 'base64url'))
}
