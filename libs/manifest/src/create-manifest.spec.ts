import { describe, expect, it } from '@jest/globals'
import { InvalidInputError } from '@imgswarm/core'
import { createSignedManifest } from './create-manifest.js'
import { ManifestFormatError } from './errors.js'
import { generatePublisherKey } from './publisher-key.js'
import { signManifest } from './signature.js'
import { chunkRefs, sampleInit } from './spec-helpers.js'
import { verifySignedManifest } from './verify.js'

const key = generatePublisherKey()

describe('createSignedManifest', () => {
  it('fills in format, publisher and a canonical createdAt, and copies the chunk list', () => {
    const init = sampleInit()
    const { manifest } = createSignedManifest({ ...init, createdAt: new Date('2026-11-23T14:30:00Z') }, key)
    expect(manifest.manifest.format).toBe(1)
    expect(manifest.manifest.publisher).toBe(key.publicKey)
    expect(manifest.manifest.createdAt).toBe('2026-11-23T14:30:00.000Z')
    expect(manifest.manifest.chunks).toEqual(init.chunks)
    expect(manifest.manifest.chunks).not.toBe(init.chunks)
    expect(manifest.signature).toHaveLength(64)
    verifySignedManifest(manifest, [key.publicKey])
  })

  it('defaults createdAt to now', () => {
    const before = Date.now()
    const { createdAt: _omitted, ...init } = sampleInit()
    const { manifest } = createSignedManifest(init, key)
    const t = Date.parse(manifest.manifest.createdAt)
    expect(t).toBeGreaterThanOrEqual(before - 1)
    expect(t).toBeLessThanOrEqual(Date.now())
  })

  it('accepts an empty image', () => {
    const { manifest } = createSignedManifest({ ...sampleInit(), size: 0, chunks: [] }, key)
    expect(manifest.manifest.chunks).toEqual([])
  })

  const refusals: Array<[string, (init: ReturnType<typeof sampleInit>) => void, RegExp]> = [
    ['a gap between chunks', (i) => (i.chunks[1].offset += 1), /manifest\.chunks\[1\]\.offset: is 300001, expected 300000/],
    ['chunks out of order', (i) => i.chunks.reverse(), /manifest\.chunks\[0\]\.offset: is 500000, expected 0/],
    ['a first chunk not at 0', (i) => (i.chunks = chunkRefs([10, 20]).map((c) => ({ ...c, offset: c.offset + 5 }))), /chunks\[0\]\.offset: is 5, expected 0/],
    ['a negative length', (i) => (i.chunks[2].length = -1), /manifest\.chunks\[2\]\.length: must be an integer from 1/],
    ['a fractional size', (i) => (i.size = 1.5), /manifest\.size: must be a non-negative safe integer, got 1\.5/],
    ['a size beyond 2^53', (i) => (i.size = 2 ** 53), /manifest\.size/],
    ['a chunk that is not a CID', (i) => ((i.chunks[0] as { cid: unknown }).cid = 'bafk…'), /manifest\.chunks\[0\]\.cid: must be a CID/],
    ['a dag-cbor chunk CID', (i) => (i.chunks[0].cid = createSignedManifest(sampleInit(), key).cid), /chunks\[0\]\.cid: must be a CIDv1 with the raw codec/],
    ['a name with spaces', (i) => (i.name = 'my image'), /manifest\.name: "my image" may hold only/],
    ['a version starting with a dash', (i) => (i.version = '-rc1'), /manifest\.version: "-rc1" may hold only/],
    ['a version over 256 characters', (i) => (i.version = '1'.repeat(257)), /manifest\.version: is 257 characters, the limit is 256/],
    ['a timestamp with an offset', (i) => (i.createdAt = '2026-11-23T15:30:00.000+01:00'), /manifest\.createdAt: must be an ISO-8601 UTC time/],
  ]
  it.each(refusals)('refuses %s before signing', (_what, edit, message) => {
    const init = sampleInit()
    edit(init)
    let signed = 0
    const counting = { publicKey: key.publicKey, sign: (b: Uint8Array) => (signed++, key.sign(b)) }
    expect(() => createSignedManifest(init, counting)).toThrow(ManifestFormatError)
    expect(() => createSignedManifest(init, counting)).toThrow(message)
    expect(signed).toBe(0)
  })

  it('refuses an invalid Date', () => {
    expect(() => createSignedManifest({ ...sampleInit(), createdAt: new Date('nope') }, key)).toThrow(
      /createdAt must be a valid Date or ISO-8601 string/,
    )
  })

  it('refuses a signer whose signatures do not verify', () => {
    const broken = { publicKey: key.publicKey, sign: () => new Uint8Array(64) }
    expect(() => createSignedManifest(sampleInit(), broken)).toThrow(InvalidInputError)
    expect(() => createSignedManifest(sampleInit(), broken)).toThrow(/produced a signature that does not verify/)
  })

  it('refuses to sign a manifest naming another publisher', () => {
    const { manifest } = createSignedManifest(sampleInit(), key)
    expect(() => signManifest(manifest.manifest, generatePublisherKey())).toThrow(/names publisher .* but is being signed with/)
  })
})
