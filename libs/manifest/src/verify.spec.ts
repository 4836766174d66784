import { describe, expect, it } from '@jest/globals'
import { ImgswarmError, InvalidInputError, ManifestSignatureError, UntrustedPublisherError, type SignedManifest } from '@imgswarm/core'
import { decodeSignedManifest, encodeManifestBody, encodeSignedManifest } from './codec.js'
import { createSignedManifest } from './create-manifest.js'
import { ManifestCidMismatchError, ManifestFormatError, PublicKeyFormatError } from './errors.js'
import { generatePublisherKey } from './publisher-key.js'
import { signManifest } from './signature.js'
import { chunkCid, sampleInit } from './spec-helpers.js'
import { openManifest, trustKeys, verifySignedManifest, type ManifestCheck, type TrustPolicy } from './verify.js'

const publisher = generatePublisherKey()
const stranger = generatePublisherKey()
const sample = createSignedManifest(sampleInit(), publisher)
const trusted = [publisher.publicKey]

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}

/** Every single-byte corruption of `bytes`: each byte inverted, and each of its bits flipped alone. */
function* corruptions(bytes: Uint8Array): Generator<[string, Uint8Array]> {
  for (let i = 0; i < bytes.byteLength; i++) {
    for (const mask of [0xff, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80]) {
      const copy = Uint8Array.from(bytes)
      copy[i] ^= mask
      yield [`byte ${i} ^ 0x${mask.toString(16)}`, copy]
    }
  }
}

describe('openManifest', () => {
  it('accepts the genuine bytes: create -> encode -> open gives the same manifest', () => {
    const opened = openManifest(sample.bytes, { expectedCid: sample.cid, trusted })
    expect(opened).toEqual(sample.manifest)
    expect(openManifest(sample.bytes, { expectedCid: sample.cid.toString(), trusted })).toEqual(sample.manifest)
    expect(openManifest(sample.bytes, { trusted })).toEqual(sample.manifest)
  })

  it('refuses every flipped byte and every flipped bit, with the expected CID given', () => {
    const kinds = new Map<string, number>()
    let tried = 0
    for (const [what, bytes] of corruptions(sample.bytes)) {
      const err = thrown(() => openManifest(bytes, { expectedCid: sample.cid, trusted }))
      if (!(err instanceof ManifestCidMismatchError)) throw new Error(`${what}: expected a CID mismatch, got ${String(err)}`)
      kinds.set(err.name, (kinds.get(err.name) ?? 0) + 1)
      tried++
    }
    expect(tried).toBe(sample.bytes.byteLength * 9)
    expect(kinds.get('ManifestCidMismatchError')).toBe(tried)
  })

  it('without an expected CID, refuses every flipped byte and bit by decoding or by the signature', () => {
    const kinds = new Map<string, number>()
    for (const [what, bytes] of corruptions(sample.bytes)) {
      const err = thrown(() => openManifest(bytes, { trusted }))
      // Never accepted, never a crash (TypeError, RangeError…): always one of our refusals.
      if (!(err instanceof ManifestFormatError || err instanceof ManifestSignatureError)) {
        throw new Error(`${what}: expected a format or signature error, got ${String(err)}`)
      }
      kinds.set(err.name, (kinds.get(err.name) ?? 0) + 1)
    }
    // Both kinds occur: structure bytes fail to decode, content and signature bytes fail to verify.
    expect(kinds.get('ManifestFormatError')).toBeGreaterThan(100)
    expect(kinds.get('ManifestSignatureError')).toBeGreaterThan(100)
  })

  it('refuses every flipped bit of the signature, and of each chunk CID and length, as a bad signature', () => {
    const m = sample.manifest
    for (let i = 0; i < 64; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const signature = Uint8Array.from(m.signature)
        signature[i] ^= 1 << bit
        expect(() => verifySignedManifest({ manifest: m.manifest, signature }, trusted)).toThrow(ManifestSignatureError)
      }
    }
    const altered: SignedManifest = {
      manifest: {
        ...m.manifest,
        chunks: m.manifest.chunks.map((c, i) => (i === 1 ? { ...c, cid: chunkCid(99) } : c)),
      },
      signature: m.signature,
    }
    expect(() => verifySignedManifest(altered, trusted)).toThrow(/win11-iot@2026\.11: the signature does not verify/)
  })

  it('reports a CID mismatch clearly', () => {
    const other = createSignedManifest({ ...sampleInit(), version: '2026.12' }, publisher)
    expect(() => openManifest(other.bytes, { expectedCid: sample.cid, trusted })).toThrow(
      `manifest bytes hash to ${other.cid.toString()}, not to the requested ${sample.cid.toString()}`,
    )
  })

  it('refuses an expected CID that cannot name a manifest', () => {
    expect(() => openManifest(sample.bytes, { expectedCid: chunkCid(0), trusted })).toThrow(/is not a manifest CID: .*codec raw \(0x55\)/)
    expect(() => openManifest(sample.bytes, { expectedCid: 'bafy-nonsense', trusted })).toThrow(InvalidInputError)
  })

  it('refuses oversize input before hashing it', () => {
    expect(() => openManifest(sample.bytes, { expectedCid: sample.cid, trusted, maxBytes: 64 })).toThrow(/more than the limit of 64/)
  })
})

describe('verifySignedManifest', () => {
  it('refuses a manifest from an unknown publisher with UntrustedPublisherError', () => {
    const foreign = createSignedManifest(sampleInit(), stranger)
    const err = thrown(() => openManifest(foreign.bytes, { expectedCid: foreign.cid, trusted }))
    expect(err).toBeInstanceOf(UntrustedPublisherError)
    expect((err as ImgswarmError).code).toBe('ERR_UNTRUSTED_PUBLISHER')
    expect((err as Error).message).toBe(
      `manifest win11-iot@2026.11 is signed by ${stranger.publicKey}, which is not a trusted publisher (trusted: ${publisher.publicKey})`,
    )
    expect(() => verifySignedManifest(foreign.manifest, [])).toThrow(/not a trusted publisher \(no publisher key is trusted\)/)
    expect(() => verifySignedManifest(foreign.manifest, [publisher.publicKey, stranger.publicKey])).not.toThrow()
  })

  it('refuses a manifest re-signed by another key', () => {
    // Same content, publisher swapped and signed by the stranger: authentic, but not trusted.
    const resigned = createSignedManifest(sampleInit(), stranger)
    expect(() => verifySignedManifest(resigned.manifest, trusted)).toThrow(UntrustedPublisherError)
    // The stranger's signature pasted onto the publisher's manifest: does not verify.
    const pasted: SignedManifest = { manifest: sample.manifest.manifest, signature: resigned.manifest.signature }
    const err = thrown(() => verifySignedManifest(pasted, trusted))
    expect(err).toBeInstanceOf(ManifestSignatureError)
    expect((err as ImgswarmError).code).toBe('ERR_MANIFEST_SIGNATURE')
    // The publisher field claims the trusted key, the signature is the stranger's over that body.
    const forged: SignedManifest = {
      manifest: sample.manifest.manifest,
      signature: stranger.sign(encodeManifestBody(sample.manifest.manifest)),
    }
    expect(() => openManifest(encodeSignedManifest(forged), { trusted })).toThrow(ManifestSignatureError)
  })

  it('separates domains: a signature over the bare body (no prefix) does not verify', () => {
    const bare: SignedManifest = {
      manifest: sample.manifest.manifest,
      signature: publisher.sign(encodeManifestBody(sample.manifest.manifest)),
    }
    expect(() => verifySignedManifest(bare, trusted)).toThrow(ManifestSignatureError)
    expect(signManifest(sample.manifest.manifest, publisher)).toEqual(sample.manifest.signature)
  })

  it('checks signature and shape even for manifests built in code', () => {
    const broken = { manifest: { ...sample.manifest.manifest, size: -1 }, signature: sample.manifest.signature }
    expect(() => verifySignedManifest(broken, trusted)).toThrow(/manifest\.size: must be a non-negative safe integer/)
    const shortSig = { manifest: sample.manifest.manifest, signature: new Uint8Array(10) }
    expect(() => verifySignedManifest(shortSig, trusted)).toThrow(/signature: must be 64 bytes, got 10 bytes/)
  })

  it('accepts a trust policy object, a set, or a single key string', () => {
    const seen: string[] = []
    const policy: TrustPolicy = {
      isTrusted: (key, m) => {
        seen.push(`${key} ${m.name}`)
        return key === publisher.publicKey
      },
      describe: () => 'site policy',
    }
    verifySignedManifest(sample.manifest, policy)
    expect(seen).toEqual([`${publisher.publicKey} win11-iot`])
    verifySignedManifest(sample.manifest, new Set(trusted))
    verifySignedManifest(sample.manifest, publisher.publicKey as unknown as Iterable<string>)
    const foreign = createSignedManifest(sampleInit(), stranger)
    expect(() => verifySignedManifest(foreign.manifest, policy)).toThrow(/not a trusted publisher \(site policy\)/)
  })

  it('refuses a malformed trusted key up front, naming which one', () => {
    const err = thrown(() => trustKeys([publisher.publicKey, 'z6MkNOPE0']))
    expect(err).toBeInstanceOf(PublicKeyFormatError)
    expect((err as Error).message).toMatch(/^trusted publisher key #2: publisher key "z6MkNOPE0" is not valid base58btc/)
  })

  it('runs extra checks after signature and trust, so e.g. a rollback check can refuse', () => {
    const calls: string[] = []
    const noOlderThan2026: ManifestCheck = (m) => {
      calls.push(m.manifest.version)
      if (m.manifest.createdAt < '2027') throw new InvalidInputError(`${m.manifest.name}: older than the installed version`)
    }
    expect(() => openManifest(sample.bytes, { trusted, checks: [noOlderThan2026] })).toThrow(/older than the installed version/)
    expect(calls).toEqual(['2026.11'])
    // Extra checks do not run when the built-in ones already refused.
    const foreign = createSignedManifest(sampleInit(), stranger)
    expect(() => openManifest(foreign.bytes, { trusted, checks: [noOlderThan2026] })).toThrow(UntrustedPublisherError)
    expect(calls).toEqual(['2026.11'])
  })

  it('decoded manifests verify like the originals', () => {
    verifySignedManifest(decodeSignedManifest(sample.bytes), trusted)
  })
})
