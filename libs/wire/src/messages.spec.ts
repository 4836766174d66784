import { describe, expect, it } from '@jest/globals'
import { Bitfield, chunkArray, chunkPieces, InvalidInputError, ProtocolError, type ChunkBytes } from '@imgswarm/core'
import { Uint8ArrayList } from 'uint8arraylist'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { MalformedMessageError } from './errors.js'
import { DEFAULT_WIRE_LIMITS, wireLimits } from './limits.js'
import { decodeManifestMessage, encodeManifestMessage } from './manifest-messages.js'
import type { ManifestMessage } from './manifest-messages.js'
import { decodeMessage, encodeMessage, encodeMessageParts } from './messages.js'
import type { WireMessage } from './messages.js'
import * as pb from './pb/messages.js'
import { patternBytes } from './spec-helpers.js'

const manifest = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode('manifest')))

function bitfield(length: number, set: number[]): Bitfield {
  const b = new Bitfield(length)
  for (const i of set) b.set(i)
  return b
}

const samples: WireMessage[] = [
  {
    type: 'hello',
    manifest,
    bitfield: bitfield(21, [0, 7, 20]),
    site: 'plant-3',
    seed: false,
    listenAddrs: ['/ip4/127.0.0.1/tcp/4001', '/ip6/::1/tcp/4001'],
  },
  { type: 'hello', manifest, bitfield: Bitfield.full(8), seed: true },
  { type: 'hello', manifest, bitfield: new Bitfield(0), seed: false },
  { type: 'have', indices: [0, 5, 20] },
  { type: 'have', indices: [] },
  { type: 'request', indices: [3, 1, 4, 1, 5] },
  { type: 'cancel', indices: [9] },
  { type: 'chunk', index: 0, bytes: patternBytes(1000, 1) },
  { type: 'chunk', index: 3_999_999, bytes: patternBytes(4 * 1024 * 1024, 2) },
  { type: 'chunk', index: 7, bytes: new Uint8Array(0) },
  { type: 'reject', index: 2, reason: 'not-have' },
  { type: 'reject', index: 0, reason: 'busy' },
  { type: 'reject', index: 1, reason: 'elsewhere' },
  { type: 'reject', index: 1, reason: 'shutting-down' },
  {
    type: 'peers',
    peers: [
      { id: '12D3KooWGzKz3aDGXwMTc8g5eR2P1Y8fGfjYbqG7tUm5G4g7ExaQ', addrs: ['/ip4/10.0.0.2/tcp/4001'] },
      { id: '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo', addrs: [] },
    ],
  },
  { type: 'peers', peers: [] },
  { type: 'goodbye', reason: 'done' },
  { type: 'goodbye', reason: 'unknown-manifest', message: 'no such image here' },
  { type: 'goodbye', reason: 'banned' },
]

function normalise(msg: WireMessage): unknown {
  if (msg.type === 'hello') return { ...msg, manifest: msg.manifest.toString(), bitfield: [...msg.bitfield.toBytes()], length: msg.bitfield.length }
  if (msg.type === 'chunk') return { ...msg, bytes: Buffer.from(chunkArray(msg.bytes)).toString('base64') }
  return msg
}

function envelope(fields: pb.ChunkProtocolMessage): Uint8Array {
  return pb.ChunkProtocolMessage.encode(fields)
}

function expectMalformed(frame: Uint8Array, pattern: RegExp, limits = DEFAULT_WIRE_LIMITS): void {
  let error: unknown
  try {
    decodeMessage(frame, limits)
  } catch (err) {
    error = err
  }
  expect(error).toBeInstanceOf(MalformedMessageError)
  expect((error as Error).message).toMatch(pattern)
}

describe('chunk protocol codec', () => {
  it.each(samples.map((m) => [m.type, m] as const))('round-trips %s', (_type, msg) => {
    const decoded = decodeMessage(encodeMessage(msg))
    expect(normalise(decoded)).toEqual(normalise(msg))
  })

  it('encodes Chunk header + payload exactly as protons does, without copying the payload', () => {
    for (const [index, size] of [
      [0, 0],
      [0, 1],
      [1, 127],
      [300, 128],
      [3_999_999, 256 * 1024],
      [2 ** 32 - 1, 4 * 1024 * 1024],
    ]) {
      const bytes = patternBytes(size, index + 7)
      const parts = encodeMessageParts({ type: 'chunk', index, bytes }, wireLimits({ maxChunkCount: 2 ** 32 }))
      expect(Buffer.compare(parts.subarray(), envelope({ chunk: { index, data: bytes as Uint8Array<ArrayBuffer> } }))).toBe(0)
      if (size > 0) expect(parts.get(parts.byteLength - 1)).toBe(bytes[size - 1])
      if (size > 0) expect([...parts].at(-1)).toBe(bytes) // the payload itself is the last part
    }
  })

  it('decodes a Chunk payload as a view into the frame', () => {
    const frame = encodeMessage({ type: 'chunk', index: 4, bytes: patternBytes(4096, 3) })
    const msg = decodeMessage(frame)
    expect(msg.type).toBe('chunk')
    expect((msg as { bytes: Uint8Array }).bytes.buffer).toBe(frame.buffer)
  })

  it('decodes a Chunk that arrived in pieces without joining them, and agrees with the full decoder on any frame', () => {
    const limits = wireLimits({ maxChunkCount: 2 ** 32 })
    const split = (frame: Uint8Array, cuts: number[]): Uint8ArrayList => {
      const list = new Uint8ArrayList()
      let from = 0
      for (const cut of [...cuts, frame.byteLength]) {
        list.append(frame.subarray(from, cut))
        from = cut
      }
      return list
    }
    const outcome = (frame: Uint8Array | Uint8ArrayList): unknown => {
      try {
        return normalise(decodeMessage(frame, limits))
      } catch (err) {
        return { error: (err as Error).constructor.name, message: (err as Error).message }
      }
    }
    for (const [index, size] of [[0, 1], [5, 300], [3_999_999, 256 * 1024]]) {
      const payload = patternBytes(size, index + 1)
      const frame = encodeMessage({ type: 'chunk', index, bytes: payload }, limits)
      for (const cuts of [[1], [3, 4], [Math.floor(frame.byteLength / 2)], [2, 10, frame.byteLength - 1]]) {
        const list = split(frame, cuts.filter((c) => c > 0 && c < frame.byteLength))
        const msg = decodeMessage(list, limits)
        expect(msg.type === 'chunk' && msg.index === index && msg.bytes.byteLength === size).toBe(true)
        const pieces = [...chunkPieces((msg as { bytes: ChunkBytes }).bytes)]
        // every piece is a view of the frame's own memory: nothing was copied
        for (const piece of pieces) expect(piece.buffer).toBe(frame.buffer)
        expect(Buffer.compare(chunkArray((msg as { bytes: ChunkBytes }).bytes), payload)).toBe(0)
      }
    }
    // layouts our encoder never writes go through the full decoder: same answer or same error
    const odd = [
      envelope({ chunk: { index: 0, data: new Uint8Array(0) } }),
      Uint8Array.from([(5 << 3) | 2, 5, (1 << 3) | 0, 0, (2 << 3) | 2, 1, 9]), // index 0 written out
      Uint8Array.from([(5 << 3) | 2, 5, (2 << 3) | 2, 1, 9, (1 << 3) | 0, 3]), // data before index
      Uint8Array.from([(5 << 3) | 2, 4, (2 << 3) | 2, 1, 9, 0]), // a stray byte inside
      Uint8Array.from([(5 << 3) | 2, 3, (2 << 3) | 2, 1, 9, 7]), // a byte after the envelope
      Uint8Array.from([(5 << 3) | 2, 9, (2 << 3) | 2, 1, 9]), // envelope longer than the frame
      Uint8Array.from([(5 << 3) | 2, 5, (1 << 3) | 0, 0xff, 0xff, 0xff, 0xff, 0x7f]), // oversized varint
      Uint8Array.from([(5 << 3) | 2, 4, (1 << 3) | 0, 0x80, 0x80, 0x80]), // varint cut short
    ]
    for (const frame of odd) {
      for (let cut = 1; cut < frame.byteLength; cut++) {
        expect(outcome(split(frame, [cut]))).toEqual(outcome(frame))
      }
    }
    // and the limits hold for pieces as for one array
    const big = encodeMessage({ type: 'chunk', index: 12, bytes: patternBytes(101, 2) })
    expect(() => decodeMessage(split(big, [50]), wireLimits({ maxChunkBytes: 100 }))).toThrow(/101 bytes, over the limit of 100/)
    expect(() => decodeMessage(split(big, [50]), wireLimits({ chunkCount: 10 }))).toThrow(/chunk index 12 out of range 0..9/)
  })

  it('refuses truncated frames at every length', () => {
    for (const msg of samples.filter((m) => m.type !== 'chunk' || m.bytes.byteLength < 10_000)) {
      const frame = encodeMessage(msg)
      for (let cut = 0; cut < frame.byteLength; cut++) {
        expect(() => decodeMessage(frame.subarray(0, cut))).toThrow(MalformedMessageError)
      }
    }
  })

  it('refuses trailing bytes, a second message, unknown types and non-message fields', () => {
    const have = encodeMessage({ type: 'have', indices: [1] })
    expectMalformed(Uint8Array.from([...have, 0]), /1 trailing bytes/)
    expectMalformed(Uint8Array.from([...have, ...have]), /trailing bytes/)
    expectMalformed(Uint8Array.from([(9 << 3) | 2, 0]), /unknown chunk protocol message type \(envelope field 9\)/)
    expectMalformed(Uint8Array.from([(2 << 3) | 0, 1]), /wire type 0, not a message/)
    expectMalformed(new Uint8Array(0), /empty chunk protocol frame/)
    expectMalformed(Uint8Array.from([0xff]), /too short/)
  })

  it('refuses out-of-range indices, given the session chunk count', () => {
    const session = wireLimits({ chunkCount: 10 })
    expect(decodeMessage(encodeMessage({ type: 'request', indices: [9] }), session)).toEqual({ type: 'request', indices: [9] })
    for (const fields of [
      { request: { indices: [10] } },
      { have: { indices: [0, 99] } },
      { cancel: { indices: [2 ** 32 - 1] } },
      { chunk: { index: 10, data: new Uint8Array(1) } },
      { reject: { index: 10, reason: pb.RejectReason.REJECT_REASON_BUSY } },
    ]) {
      expectMalformed(envelope(fields), /out of range 0\.\.9/, session)
    }
    // without a session, only the global bound applies
    expectMalformed(envelope({ have: { indices: [4_000_000] } }), /out of range 0\.\.3999999/)
  })

  it('refuses messages over their limits', () => {
    const small = wireLimits({
      maxIndicesPerMessage: 3,
      maxChunkBytes: 100,
      maxPeersPerMessage: 1,
      maxAddrsPerPeer: 1,
      maxAddrLength: 10,
      maxSiteLength: 4,
      maxControlMessageBytes: 64,
      maxChunkCount: 16,
    })
    expectMalformed(envelope({ request: { indices: [1, 2, 3, 4] } }), /more than 3 indices/, small)
    expectMalformed(envelope({ chunk: { index: 1, data: new Uint8Array(101) } }), /101 bytes, over the limit of 100/, small)
    expectMalformed(envelope({ peers: { peers: [{ id: 'a', addrs: [] }, { id: 'b', addrs: [] }] } }), /more than 1 peers/, small)
    expectMalformed(envelope({ peers: { peers: [{ id: 'a', addrs: ['/ip4/1.2.3.4'] }] } }), /allowed 1\.\.10/, small)
    expectMalformed(envelope({ peers: { peers: [{ id: '', addrs: [] }] } }), /peer id of 0 characters/, small)
    expectMalformed(
      envelope({ have: { indices: new Array(40).fill(1) } }),
      /control message of 82 bytes exceeds the limit of 64/,
      wireLimits({ maxControlMessageBytes: 64 }),
    )
    const hello = (chunkCount: number, bitfieldBytes: number, site?: string): Uint8Array =>
      envelope({
        hello: { manifest: manifest.bytes as Uint8Array<ArrayBuffer>, chunkCount, bitfield: new Uint8Array(bitfieldBytes), seed: false, listenAddrs: [], site },
      })
    expect(decodeMessage(hello(16, 2), small).type).toBe('hello')
    expectMalformed(hello(17, 3), /17 chunks, over the limit of 16/, small)
    expectMalformed(hello(16, 3), /needs 2 bytes, got 3/, small)
    expectMalformed(hello(16, 2, 'plant-3'), /site of 7 characters exceeds 4/, small)
    expectMalformed(hello(10, 2), /announces 10 chunks, the session's manifest has 16/, { ...small, chunkCount: 16 })
  })

  it('refuses bad field values: CIDs, bitfield padding, enum values', () => {
    const base = { chunkCount: 4, bitfield: new Uint8Array(1), seed: false, listenAddrs: [] }
    expectMalformed(envelope({ hello: { ...base, manifest: new Uint8Array(0) } }), /names no manifest/)
    expectMalformed(envelope({ hello: { ...base, manifest: Uint8Array.from([1, 2, 3]) } }), /invalid manifest CID/)
    expectMalformed(
      envelope({ hello: { ...base, manifest: manifest.bytes as Uint8Array<ArrayBuffer>, bitfield: Uint8Array.from([0x0f]) } }),
      /bits set past its length/,
    )
    expectMalformed(envelope({ reject: { index: 1, reason: pb.RejectReason.REJECT_REASON_UNSPECIFIED } }), /no known reason/)
    expectMalformed(Uint8Array.from([(6 << 3) | 2, 4, 0x08, 0x01, 0x10, 0x63]), /malformed reject message/) // reason = 99
    expectMalformed(envelope({ goodbye: { reason: pb.GoodbyeReason.GOODBYE_REASON_UNSPECIFIED } }), /no known reason/)
  })

  it('refuses to encode what a peer would refuse', () => {
    const bad: WireMessage[] = [
      { type: 'request', indices: [-1] },
      { type: 'request', indices: [1.5] },
      { type: 'have', indices: new Array(DEFAULT_WIRE_LIMITS.maxIndicesPerMessage + 1).fill(0) },
      { type: 'chunk', index: 0, bytes: new Uint8Array(DEFAULT_WIRE_LIMITS.maxChunkBytes + 1) },
      { type: 'reject', index: 0, reason: 'nope' as never },
      { type: 'peers', peers: [{ id: 'x', addrs: ['a'.repeat(257)] }] },
    ]
    for (const msg of bad) expect(() => encodeMessage(msg)).toThrow(InvalidInputError)
    expect(() => encodeMessage({ type: 'request', indices: [5] }, wireLimits({ chunkCount: 5 }))).toThrow(/out of range 0\.\.4/)
  })

  it('throws nothing but ProtocolError for random and mutated input', () => {
    const valid = samples.filter((m) => m.type !== 'chunk' || m.bytes.byteLength < 10_000).map((m) => encodeMessage(m))
    const session = wireLimits({ chunkCount: 21 })
    let decoded = 0
    for (let i = 0; i < 20_000; i++) {
      let input: Uint8Array
      if (i % 2 === 0) {
        input = patternBytes(i % 97, i + 1)
      } else {
        // flip a few bytes of a valid frame: exercises the inner decoders, not just the envelope
        input = Uint8Array.from(valid[i % valid.length])
        const noise = patternBytes(6, i)
        for (let k = 0; k < 3; k++) input[noise[k] % input.length] ^= noise[k + 3] | 1
      }
      try {
        decodeMessage(input, i % 3 === 0 ? session : DEFAULT_WIRE_LIMITS)
        decoded++
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw new Error(`input ${Buffer.from(input).toString('hex')} threw ${String(err)}`)
      }
    }
    expect(decoded).toBeGreaterThan(0) // some mutations still decode; that is fine
  })
})

describe('manifest protocol codec', () => {
  const messages: ManifestMessage[] = [
    { type: 'get-manifest', cid: manifest },
    { type: 'manifest', bytes: patternBytes(5000, 9) },
    { type: 'reject', reason: 'not-found' },
  ]

  it.each(messages.map((m) => [m.type, m] as const))('round-trips %s', (_type, msg) => {
    const decoded = decodeManifestMessage(encodeManifestMessage(msg))
    if (msg.type === 'get-manifest') expect(decoded).toEqual({ type: 'get-manifest', cid: msg.cid })
    else expect(decoded).toEqual(msg)
  })

  it('refuses oversized manifests both ways, bad CIDs, trailing bytes and unknown types', () => {
    const limits = { maxManifestBytes: 100, maxCidBytes: 64 }
    expect(() => encodeManifestMessage({ type: 'manifest', bytes: new Uint8Array(101) }, limits)).toThrow(InvalidInputError)
    const big = encodeManifestMessage({ type: 'manifest', bytes: new Uint8Array(101) })
    expect(() => decodeManifestMessage(big, limits)).toThrow(/101 bytes exceeds the limit of 100/)
    const badCid = pb.ManifestProtocolMessage.encode({ getManifest: { cid: Uint8Array.from([1, 85, 0]) } })
    expect(() => decodeManifestMessage(badCid)).toThrow(MalformedMessageError)
    const get = encodeManifestMessage({ type: 'get-manifest', cid: manifest }).subarray()
    expect(() => decodeManifestMessage(Uint8Array.from([...get, 1]))).toThrow(/trailing bytes/)
    expect(() => decodeManifestMessage(Uint8Array.from([(4 << 3) | 2, 0]))).toThrow(/unknown manifest protocol message type/)
    for (let i = 0; i < 5000; i++) {
      try {
        decodeManifestMessage(patternBytes(i % 50, i + 11))
      } catch (err) {
        expect(err).toBeInstanceOf(ProtocolError)
      }
    }
  })
})
