import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import { InvalidInputError } from '@imgswarm/core'
import { base58btc } from 'multiformats/bases/base58'
import { base32 } from 'multiformats/bases/base32'
import { PublicKeyFormatError } from './errors.js'
import { parsePublicKey, publicKeyToString } from './public-key.js'

describe('public key strings', () => {
  it('matches the did:key test vector', () => {
    // did:key spec, ed25519 example: did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp
    const jwkX = 'O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik'
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwkX }, format: 'jwk' })
    expect(publicKeyToString(key)).toBe('z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp')
    expect(Buffer.from(parsePublicKey('z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp')).toString('base64url')).toBe(jwkX)
  })

  it('round-trips raw bytes, public and private key objects', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519')
    const text = publicKeyToString(publicKey)
    expect(text).toMatch(/^z6Mk/)
    expect(publicKeyToString(privateKey)).toBe(text)
    expect(publicKeyToString(parsePublicKey(text))).toBe(text)
    expect(parsePublicKey(text)).toHaveLength(32)
  })

  it.each([
    ['an empty string', '', /must be base58btc multibase/],
    ['another multibase', base32.encode(new Uint8Array([0xed, 0x01, ...new Uint8Array(32)])), /must be base58btc multibase/],
    ['characters outside base58', 'z6Mk0OIl', /is not valid base58btc/],
    ['another key type (secp256k1)', base58btc.encode(new Uint8Array([0xe7, 0x01, ...new Uint8Array(33)])), /is not an ed25519 public key/],
    ['a short key', base58btc.encode(new Uint8Array([0xed, 0x01, ...new Uint8Array(31)])), /holds 31 key bytes, an ed25519 key has 32/],
    ['a long key', base58btc.encode(new Uint8Array([0xed, 0x01, ...new Uint8Array(33)])), /holds 33 key bytes/],
  ])('refuses %s', (_what, text, message) => {
    let err: unknown
    try {
      parsePublicKey(text)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(PublicKeyFormatError)
    expect(err).toBeInstanceOf(InvalidInputError)
    expect((err as Error).message).toMatch(message)
  })

  it('refuses a non-string and quotes long input briefly', () => {
    expect(() => parsePublicKey(42 as unknown as string)).toThrow(/must be a string, got number/)
    expect(() => parsePublicKey('z'.repeat(10_000))).toThrow(/"z{64}…"/)
  })

  it('refuses a key of another algorithm', () => {
    const { publicKey } = generateKeyPairSync('ed448')
    expect(() => publicKeyToString(publicKey)).toThrow(/expected an ed25519 key, got ed448/)
  })
})
