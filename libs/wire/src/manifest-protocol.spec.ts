import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { InvalidInputError, NotFoundError, ProtocolError } from '@imgswarm/core'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { writer } from 'protons-runtime'
import { MANIFEST_PROTOCOL } from './constants.js'
import { FrameTooLargeError, ManifestMismatchError, ManifestNotFoundError, UnexpectedMessageError } from './errors.js'
import { encodeManifestMessage } from './manifest-messages.js'
import { fetchManifest, handleManifestStream } from './manifest-protocol.js'
import type { ManifestServeOutcome } from './manifest-protocol.js'
import { closed, deferred, patternBytes, startNode } from './spec-helpers.js'

const BAD_PROTOCOL = '/imgswarm-test/bad-manifest/1.0.0'
const manifestBytes = patternBytes(300_000, 5)
const manifestCid = CID.createV1(raw.code, await sha256.digest(manifestBytes))
const unknownCid = CID.createV1(raw.code, await sha256.digest(Uint8Array.from([1, 2, 3])))

describe('manifest protocol over real libp2p', () => {
  let server: Libp2p
  let client: Libp2p
  let connection: Connection
  const outcomes: ManifestServeOutcome[] = []
  const outcomeAdded = new EventTarget()
  const outcomeCount = async (n: number): Promise<void> => {
    while (outcomes.length < n) await new Promise((resolve) => outcomeAdded.addEventListener('added', resolve, { once: true }))
  }
  // what the misbehaving server answers, per test
  let badAnswer: (stream: Stream) => void = () => {}

  beforeAll(async () => {
    server = await startNode()
    client = await startNode()
    const store = new Map([[manifestCid.toString(), manifestBytes]])
    await server.handle(MANIFEST_PROTOCOL, async (stream) => {
      outcomes.push(await handleManifestStream(stream, (cid) => store.get(cid.toString())))
      outcomeAdded.dispatchEvent(new Event('added'))
    })
    await server.handle(BAD_PROTOCOL, (stream) => badAnswer(stream))
    connection = await client.dial(server.getMultiaddrs()[0])
  })

  afterAll(async () => {
    await client?.stop()
    await server?.stop()
  })

  const badPeer = (protocol: string, options: { signal?: AbortSignal }): Promise<Stream> =>
    connection.newStream(protocol === MANIFEST_PROTOCOL ? BAD_PROTOCOL : protocol, options)

  it('fetches a manifest the peer holds, checked against its CID', async () => {
    const before = outcomes.length
    const bytes = await fetchManifest(connection, manifestCid, { signal: AbortSignal.timeout(30_000) })
    expect(Buffer.compare(bytes, manifestBytes)).toBe(0)
    await outcomeCount(before + 1)
    expect(outcomes[before]).toBe('served')
  })

  it('reports a manifest the peer does not hold as ManifestNotFoundError', async () => {
    const before = outcomes.length
    const fetching = fetchManifest(connection, unknownCid, { signal: AbortSignal.timeout(30_000) })
    await expect(fetching).rejects.toBeInstanceOf(ManifestNotFoundError)
    await expect(fetching).rejects.toBeInstanceOf(NotFoundError)
    await outcomeCount(before + 1)
    expect(outcomes[before]).toBe('not-found')
  })

  it('refuses an oversized answer from its length prefix alone', async () => {
    badAnswer = (stream) => {
      // announce a 64 MiB + 1 KiB frame, send 3 bytes of it: waiting for the rest would hang
      stream.send(Uint8Array.from([...writer().uint32(64 * 1024 * 1024 + 1024).finish(), 1, 2, 3]))
    }
    const fetching = fetchManifest(badPeer, manifestCid, { signal: AbortSignal.timeout(30_000) })
    await expect(fetching).rejects.toBeInstanceOf(FrameTooLargeError)
    // a caller's smaller cap applies the same way to a real server's answer
    const before = outcomes.length
    await expect(fetchManifest(connection, manifestCid, { maxManifestBytes: 1000 })).rejects.toBeInstanceOf(
      FrameTooLargeError,
    )
    await outcomeCount(before + 1) // the server saw its answer refused (served or failed, depending on timing)
  })

  it('refuses bytes that do not hash to the CID, garbage, and a query for an answer', async () => {
    const answers: Array<[Uint8Array, new (...args: never[]) => Error]> = [
      [encodeManifestMessage({ type: 'manifest', bytes: patternBytes(1000, 6) }).subarray(), ManifestMismatchError],
      [patternBytes(40, 7), ProtocolError],
      [encodeManifestMessage({ type: 'get-manifest', cid: manifestCid }).subarray(), UnexpectedMessageError],
    ]
    for (const [body, errorClass] of answers) {
      badAnswer = (stream) => {
        stream.send(Uint8Array.from([...writer().uint32(body.byteLength).finish(), ...body]))
      }
      await expect(fetchManifest(badPeer, manifestCid, { signal: AbortSignal.timeout(30_000) })).rejects.toBeInstanceOf(
        errorClass,
      )
    }
  })

  it('serves on after bad requests: garbage, an oversized request, a silent peer', async () => {
    const before = outcomes.length
    for (const bytes of [patternBytes(64, 8), Uint8Array.from([...writer().uint32(100_000).finish(), 0])]) {
      const stream = await connection.newStream(MANIFEST_PROTOCOL)
      stream.send(bytes)
      await closed(stream)
      expect(stream.status).toBe('reset')
    }
    const silent = await connection.newStream(MANIFEST_PROTOCOL)
    await silent.close() // asks nothing
    await closed(silent)
    await outcomeCount(before + 3)
    expect(outcomes.slice(before)).toEqual(['failed', 'failed', 'failed'])
    const bytes = await fetchManifest(connection, manifestCid, { signal: AbortSignal.timeout(30_000) })
    expect(bytes.byteLength).toBe(manifestBytes.byteLength)
  })

  it('refuses to ask for a CID it could not verify', async () => {
    const unverifiable = CID.createV1(raw.code, identity.digest(Uint8Array.from([1])))
    await expect(fetchManifest(connection, unverifiable)).rejects.toBeInstanceOf(InvalidInputError)
  })

  it('gives up when the signal aborts, leaving nothing behind', async () => {
    const stalled = deferred<void>()
    badAnswer = () => stalled.resolve() // never answers
    const controller = new AbortController()
    const fetching = fetchManifest(badPeer, manifestCid, { signal: controller.signal })
    await stalled.promise
    controller.abort(new Error('operator gave up'))
    await expect(fetching).rejects.toThrow('operator gave up')
  })
})
