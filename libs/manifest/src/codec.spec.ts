import { describe, expect, it } from '@jest/globals'
import { InvalidInputError } from '@imgswarm/core'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { DEFAULT_MAX_MANIFEST_BYTES } from './constants.js'
import { createSignedManifest } from './create-manifest.js'
import { decodeSignedManifest, encodeSignedManifest, manifestCid, parseManifestCid } from './codec.js'
import { ManifestFormatError } from './errors.js'
import { generatePublisherKey } from './publisher-key.js'
import { signedManifestToWire, type SignedManifestWire } from './schema.js'
import { CHUNKING, cbor, chunkCid, concat, replaceOnce, sampleInit } from './spec-helpers.js'

const key = generatePublisherKey()
const sample = createSignedManifest(sampleInit(), key)

/** Encodes a (possibly invalid) wire value directly, bypassing validation. */
function encodeWire(edit: (w: SignedManifestWire) => void): Uint8Array {
  const wire = signedManifestToWire(sample.manifest)
  const copy: SignedManifestWire = {
    manifest: { ...wire.manifest, chunking: { ...wire.manifest.chunking }, chunks: wire.manifest.chunks.map((c) => [...c]) },
    signature: wire.signature,
  } as SignedManifestWire
  edit(copy)
  return cbor(copy)
}

function decodeError(bytes: Uint8Array, options = {}): Error {
  try {
    decodeSignedManifest(bytes, options)
  } catch (err) {
    return err as Error
  }
  throw new Error('decode accepted bytes it should have refused')
}

describe('manifest codec', () => {
  it('round-trips: encode -> decode gives the same manifest, chunk refs and bytes', () => {
    const decoded = decodeSignedManifest(sample.bytes)
    expect(decoded).toEqual(sample.manifest)
    expect(decoded.manifest.chunks.map((c) => [c.cid.toString(), c.offset, c.length])).toEqual(
      sample.manifest.manifest.chunks.map((c) => [c.cid.toString(), c.offset, c.length]),
    )
    expect(decoded.manifest.chunks.map((c) => c.offset)).toEqual([0, 300_000, 500_000])
    expect(encodeSignedManifest(decoded)).toEqual(sample.bytes)
  })

  it('names a manifest by a stable CIDv1 dag-cbor sha2-256 of its bytes', () => {
    const again = createSignedManifest(sampleInit(), key)
    expect(again.bytes).toEqual(sample.bytes) // ed25519 signatures are deterministic
    expect(again.cid.toString()).toBe(sample.cid.toString())
    expect(sample.cid.version).toBe(1)
    expect(sample.cid.code).toBe(0x71)
    expect(sample.cid.multihash.code).toBe(0x12)
    expect(manifestCid(sample.bytes).equals(sample.cid)).toBe(true)
    const later = createSignedManifest({ ...sampleInit(), createdAt: '2026-11-23T14:30:00.001Z' }, key)
    expect(later.cid.toString()).not.toBe(sample.cid.toString())
  })

  it('does not let the decoded manifest alias the input buffer', () => {
    const input = Uint8Array.from(sample.bytes)
    const decoded = decodeSignedManifest(input)
    input.fill(0)
    expect(encodeSignedManifest(decoded)).toEqual(sample.bytes)
  })

  describe('refuses non-canonical encodings', () => {
    it('an integer not in its shortest form', () => {
      const key6 = cbor('format')
      const bad = replaceOnce(sample.bytes, concat(key6, Uint8Array.of(0x01)), concat(key6, Uint8Array.of(0x18, 0x01)))
      expect(() => decodeSignedManifest(bad)).toThrow(/signed manifest\.manifest\.format: integer 1 is not in its shortest encoding/)
    })

    it('an indefinite-length array', () => {
      const chunksKey = cbor('chunks')
      let bad = replaceOnce(sample.bytes, concat(chunksKey, Uint8Array.of(0x83)), concat(chunksKey, Uint8Array.of(0x9f)))
      bad = replaceOnce(bad, cbor('format'), concat(Uint8Array.of(0xff), cbor('format')))
      expect(() => decodeSignedManifest(bad)).toThrow(/manifest\.chunks: indefinite lengths are not allowed/)
    })

    it('map keys out of DAG-CBOR order', () => {
      const w = signedManifestToWire(sample.manifest)
      const bad = concat(Uint8Array.of(0xa2), cbor('signature'), cbor(w.signature), cbor('manifest'), cbor(w.manifest))
      expect(() => decodeSignedManifest(bad)).toThrow(/field "manifest" is out of DAG-CBOR key order/)
    })

    it('a duplicate key', () => {
      const w = signedManifestToWire(sample.manifest)
      const bad = concat(
        Uint8Array.of(0xa3),
        cbor('manifest'),
        cbor(w.manifest),
        cbor('signature'),
        cbor(w.signature),
        cbor('signature'),
        cbor(w.signature),
      )
      expect(() => decodeSignedManifest(bad)).toThrow(/duplicate field "signature"/)
    })

    it('a float where an integer belongs', () => {
      const size = sample.manifest.manifest.size
      const float = Buffer.alloc(9)
      float[0] = 0xfb
      float.writeDoubleBE(size, 1)
      const bad = replaceOnce(sample.bytes, concat(cbor('size'), cbor(size)), concat(cbor('size'), float))
      expect(() => decodeSignedManifest(bad)).toThrow(/manifest\.size: expected an unsigned integer, got a float/)
    })

    it('a CID link without the 0x00 prefix', () => {
      const first = sample.manifest.manifest.chunks[0].cid.bytes
      const bad = replaceOnce(sample.bytes, concat(Uint8Array.of(0x00), first), concat(Uint8Array.of(0x01), first))
      expect(() => decodeSignedManifest(bad)).toThrow(/chunks\[0\]\.cid: CID bytes must start with 0x00/)
    })

    it('trailing bytes and truncated input', () => {
      expect(() => decodeSignedManifest(concat(sample.bytes, Uint8Array.of(0)))).toThrow(/1 unexpected bytes after the end/)
      for (let n = 0; n < sample.bytes.byteLength; n++) {
        expect(decodeError(sample.bytes.subarray(0, n))).toBeInstanceOf(ManifestFormatError)
      }
    })
  })

  describe('refuses fields off the schema', () => {
    it('unknown fields in the body and in the envelope', () => {
      const extraBody = encodeWire((w) => Object.assign(w.manifest, { comment: 'hi' }))
      expect(() => decodeSignedManifest(extraBody)).toThrow(/signed manifest\.manifest: unknown field "comment"/)
      const extraEnvelope = encodeWire((w) => Object.assign(w, { note: 1 }))
      expect(() => decodeSignedManifest(extraEnvelope)).toThrow(/signed manifest: unknown field "note"/)
      const extraChunking = encodeWire((w) => Object.assign(w.manifest.chunking, { level: 3 }))
      expect(() => decodeSignedManifest(extraChunking)).toThrow(/manifest\.chunking: unknown field "level"/)
    })

    it('missing fields', () => {
      const bad = encodeWire((w) => delete (w.manifest as Partial<typeof w.manifest>).publisher)
      expect(() => decodeSignedManifest(bad)).toThrow(/signed manifest\.manifest: missing field publisher/)
    })

    it('a chunk that is not [cid, length]', () => {
      const bad = encodeWire((w) => (w.manifest.chunks[1] as unknown as unknown[]).push(7))
      expect(() => decodeSignedManifest(bad)).toThrow(/chunks\[1\]: a chunk is \[cid, length\], got 3 items/)
    })

    it('an unsupported format, chunking algorithm or signature length', () => {
      expect(() => decodeSignedManifest(encodeWire((w) => (w.manifest.format = 2)))).toThrow(/manifest\.format: unsupported format 2/)
      expect(() => decodeSignedManifest(encodeWire((w) => (w.manifest.chunking.algorithm = 'rabin')))).toThrow(
        /chunking\.algorithm: unknown algorithm "rabin"/,
      )
      expect(() => decodeSignedManifest(encodeWire((w) => (w.signature = w.signature.subarray(0, 63))))).toThrow(
        /signature: must be 64 bytes, got 63 bytes/,
      )
    })
  })

  describe('refuses bad values with a message naming the field', () => {
    const cases: Array<[string, (w: SignedManifestWire) => void, RegExp]> = [
      ['a zero-length chunk', (w) => (w.manifest.chunks[1][1] = 0), /manifest\.chunks\[1\]\.length: must be an integer from 1/],
      [
        'a chunk longer than chunking.maxSize',
        (w) => (w.manifest.chunks[0][1] = CHUNKING.maxSize + 1),
        /manifest\.chunks\[0\]\.length: must be an integer from 1 to chunking\.maxSize \(1048576\), got 1048577/,
      ],
      ['chunks that do not add up to the size', (w) => (w.manifest.size += 1), /manifest\.chunks: cover 623456 bytes, but the image size is 623457/],
      ['chunks that run past the size', (w) => (w.manifest.size -= 1), /manifest\.chunks\[2\]: ends at byte 623456, past the image size 623455/],
      ['a chunk CID with the dag-cbor codec', (w) => (w.manifest.chunks[1][0] = CID.createV1(0x71, chunkCid(1).multihash)), /chunks\[1\]\.cid: must be a CIDv1 with the raw codec \(0x55\).*codec 0x71/],
      ['a CIDv0 chunk', (w) => (w.manifest.chunks[0][0] = CID.createV0(chunkCid(0).multihash as Digest.Digest<0x12, 32>)), /chunks\[0\]\.cid: must be a CIDv1.*got v0/],
      [
        'a chunk CID with another hash',
        (w) => (w.manifest.chunks[2][0] = CID.createV1(0x55, Digest.create(0x13, new Uint8Array(64)))),
        /chunks\[2\]\.cid: .*hash 0x13\/64 bytes/,
      ],
      ['a name with a slash', (w) => (w.manifest.name = 'images/win11'), /manifest\.name: "images\/win11" may hold only letters, digits and \._\+-/],
      ['a name of ..', (w) => (w.manifest.name = '..'), /manifest\.name: "\.\." may hold only/],
      ['an empty version', (w) => (w.manifest.version = ''), /manifest\.version: must be a non-empty string/],
      ['a name over the limit', (w) => (w.manifest.name = 'a'.repeat(257)), /manifest\.name: text string of 257 bytes is longer than 256/],
      ['a timestamp without milliseconds', (w) => (w.manifest.createdAt = '2026-11-23T14:30:00Z'), /manifest\.createdAt: must be an ISO-8601 UTC time/],
      ['an impossible date', (w) => (w.manifest.createdAt = '2026-02-30T14:30:00.000Z'), /manifest\.createdAt/],
      ['a publisher that is not a key', (w) => (w.manifest.publisher = 'z6Mkhello'), /manifest\.publisher: publisher key "z6Mkhello"/],
      ['chunking with min > avg', (w) => (w.manifest.chunking.minSize = CHUNKING.avgSize + 1), /manifest\.chunking: needs minSize <= avgSize <= maxSize/],
      ['a maxSize above the hard chunk limit', (w) => (w.manifest.chunking.maxSize = 4 * 1024 * 1024 + 1), /chunking\.maxSize: must be an integer from 1 to 4194304/],
    ]
    it.each(cases)('%s', (_name, edit, message) => {
      const err = decodeError(encodeWire(edit))
      expect(err).toBeInstanceOf(ManifestFormatError)
      expect(err).toBeInstanceOf(InvalidInputError)
      expect(err.message).toMatch(message)
    })
  })

  describe('enforces hard limits', () => {
    it('refuses input over maxBytes before reading it', () => {
      expect(() => decodeSignedManifest(sample.bytes, { maxBytes: 100 })).toThrow(
        `signed manifest is ${sample.bytes.byteLength} bytes, more than the limit of 100`,
      )
      const huge = new Uint8Array(DEFAULT_MAX_MANIFEST_BYTES + 1)
      expect(() => decodeSignedManifest(huge)).toThrow(/more than the limit of 67108864/)
    })

    it('refuses more chunks than maxChunks', () => {
      expect(() => decodeSignedManifest(sample.bytes, { maxChunks: 2 })).toThrow(/manifest\.chunks: 3 chunks, more than the limit of 2/)
    })

    it('stops at the first wrong item of a hostile structure instead of building it', () => {
      // A chunk list declaring 3.9 million entries of empty arrays: refused at entry 0.
      const header = concat(Uint8Array.of(0xa2), cbor('manifest'), Uint8Array.of(0xa8), cbor('name'), cbor('x'), cbor('size'), cbor(0), cbor('chunks'))
      const bomb = concat(header, Uint8Array.of(0x9a, 0x00, 0x3b, 0x83, 0x00), new Uint8Array(4 * 1024 * 1024).fill(0x80))
      expect(() => decodeSignedManifest(bomb)).toThrow(/manifest\.chunks\[0\]: a chunk is \[cid, length\], got 0 items/)
      // Deep nesting: refused at the first byte, no recursion.
      expect(() => decodeSignedManifest(new Uint8Array(1024 * 1024).fill(0x81))).toThrow(/signed manifest: expected a map, got an array/)
      // A length far beyond the input.
      expect(() => decodeSignedManifest(concat(Uint8Array.of(0xa1), cbor('manifest'), Uint8Array.of(0x7b, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)))).toThrow(
        ManifestFormatError,
      )
      // An integer beyond 2^53 - 1.
      const bigSize = replaceOnce(
        sample.bytes,
        concat(cbor('size'), cbor(sample.manifest.manifest.size)),
        concat(cbor('size'), Uint8Array.of(0x1b, 0x00, 0x20, 0, 0, 0, 0, 0, 0)),
      )
      expect(() => decodeSignedManifest(bigSize)).toThrow(/manifest\.size: integer is larger than 2\^53 - 1/)
      expect(() => decodeSignedManifest(new Uint8Array(0))).toThrow(/input ends where a map was expected/)
    })
  })

  describe('manifest CIDs', () => {
    it('parses a manifest CID from a string and refuses other kinds of CID', () => {
      expect(parseManifestCid(sample.cid.toString()).equals(sample.cid)).toBe(true)
      expect(() => parseManifestCid(chunkCid(0).toString())).toThrow(/is not a manifest CID: .*codec raw \(0x55\)/)
      expect(() => parseManifestCid('not-a-cid')).toThrow(/"not-a-cid" is not a CID/)
      expect(() => parseManifestCid(CID.createV0(chunkCid(0).multihash as Digest.Digest<0x12, 32>))).toThrow(/is v0 with codec dag-pb/)
    })
  })

  it('encodes and decodes a 40,960-chunk manifest (a 10 GiB image in 256 KiB chunks)', () => {
    const count = 40_960
    const length = 256 * 1024
    const chunks = Array.from({ length: count }, (_, i) => ({ cid: chunkCid(i), offset: i * length, length }))
    const created = createSignedManifest({ ...sampleInit(), size: count * length, chunks }, key)
    // Each chunk costs 47 bytes: [tag 42 + 37-byte CID link, uint32 length] in a 2-item array.
    expect(created.bytes.byteLength).toBeLessThan(count * 47 + 1024)
    const decoded = decodeSignedManifest(created.bytes)
    expect(decoded.manifest.size).toBe(10 * 1024 * 1024 * 1024)
    expect(decoded.manifest.chunks).toHaveLength(count)
    expect(decoded.manifest.chunks[count - 1].offset).toBe((count - 1) * length)
    for (let i = 0; i < count; i += 997) expect(decoded.manifest.chunks[i].cid.equals(chunks[i].cid)).toBe(true)
    expect(manifestCid(encodeSignedManifest(decoded)).equals(created.cid)).toBe(true)
  })
})
