import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { Bitfield, chunkArray, ProtocolError } from '@imgswarm/core'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { writer } from 'protons-runtime'
import { CHUNK_PROTOCOL } from './constants.js'
import { FrameTooLargeError, MalformedMessageError, UnexpectedMessageError } from './errors.js'
import { maxChunkProtocolFrameBytes, DEFAULT_WIRE_LIMITS } from './limits.js'
import { MessageChannel } from './message-channel.js'
import type { WireMessage } from './messages.js'
import { closed, deferred, patternBytes, startNode } from './spec-helpers.js'

const MiB = 1024 * 1024
const manifest = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode('image v1')))
const CHUNKS = 4
const chunkBytes = (index: number): Uint8Array => patternBytes(MiB, index + 1)

/** What the serving side saw in one session. */
interface ServerSession {
  received: WireMessage[]
  error?: unknown
  streamStatus: string
}

describe('MessageChannel over real libp2p (TCP + Noise + yamux on 127.0.0.1)', () => {
  let server: Libp2p
  let client: Libp2p
  let connection: Connection
  let sessions: Array<ReturnType<typeof deferred<ServerSession>>> = []

  // The server: answers a Hello with its own (it holds chunks 0..2), serves requests, asks the
  // client for the chunks only the client has. Every error is caught and recorded, as a real
  // handler must.
  async function serve(stream: Stream): Promise<void> {
    const result = sessions.shift() ?? deferred<ServerSession>()
    const received: WireMessage[] = []
    const channel = new MessageChannel(stream)
    try {
      for await (const msg of channel) {
        received.push(msg)
        if (msg.type === 'hello') {
          await channel.send({ type: 'hello', manifest, bitfield: haves(CHUNKS, [0, 1, 2]), seed: false, site: 's1' })
          const wanted = [...msg.bitfield.indices()].filter((i) => i > 2)
          if (wanted.length > 0) await channel.send({ type: 'request', indices: wanted })
        } else if (msg.type === 'request') {
          for (const index of msg.indices) {
            if (index > 2) await channel.send({ type: 'reject', index, reason: 'not-have' })
            else await channel.send({ type: 'chunk', index, bytes: chunkBytes(index) })
          }
        } else if (msg.type === 'goodbye') {
          await channel.close()
        }
      }
      result.resolve({ received, streamStatus: stream.status })
    } catch (err) {
      result.resolve({ received, error: err, streamStatus: stream.status })
    }
  }

  function nextSession(): Promise<ServerSession> {
    const d = deferred<ServerSession>()
    sessions.push(d)
    return d.promise
  }

  beforeAll(async () => {
    server = await startNode()
    client = await startNode()
    await server.handle(CHUNK_PROTOCOL, serve)
    connection = await client.dial(server.getMultiaddrs()[0])
  })

  afterEach(() => {
    sessions = []
  })

  afterAll(async () => {
    await client?.stop()
    await server?.stop()
  })

  /** A well-behaved client session: Hello, request chunks 0..3, serve chunk 3 when asked, Goodbye. */
  async function goodSession(conn: Connection): Promise<void> {
    const serverDone = nextSession()
    const channel = new MessageChannel(await conn.newStream(CHUNK_PROTOCOL))
    await channel.send({ type: 'hello', manifest, bitfield: haves(CHUNKS, [3]), seed: false })
    const signal = AbortSignal.timeout(30_000)
    const hello = await channel.read({ signal })
    expect(hello?.type).toBe('hello')
    expect(channel.remoteHello?.site).toBe('s1')
    expect([...channel.remoteHello!.bitfield.indices()]).toEqual([0, 1, 2])
    await channel.send({ type: 'request', indices: [0, 1, 2, 3] })

    const got = new Map<number, Uint8Array>()
    let rejected: number[] = []
    while (got.size < 3 || rejected.length < 1) {
      const msg = await channel.read({ signal })
      if (msg === undefined) throw new Error('server closed early')
      if (msg.type === 'chunk') got.set(msg.index, Uint8Array.from(chunkArray(msg.bytes)))
      else if (msg.type === 'reject') rejected = [...rejected, msg.index]
      else if (msg.type === 'request') {
        expect(msg.indices).toEqual([3])
        await channel.send({ type: 'chunk', index: 3, bytes: chunkBytes(3) })
      }
    }
    expect(rejected).toEqual([3])
    for (const index of [0, 1, 2]) expect(Buffer.compare(got.get(index)!, chunkBytes(index))).toBe(0)

    await channel.send({ type: 'goodbye', reason: 'done' })
    await channel.close()
    expect(await channel.read({ signal })).toBeUndefined() // the server closed its side too

    const seen = await serverDone
    expect(seen.error).toBeUndefined()
    expect(seen.received.map((m) => m.type)).toEqual(['hello', 'request', 'chunk', 'goodbye'])
    const chunk3 = seen.received.find((m) => m.type === 'chunk')
    expect(chunk3?.type === 'chunk' && Buffer.compare(chunkArray(chunk3.bytes), chunkBytes(3)) === 0).toBe(true)
  }

  it('exchanges Hello, Request, Chunk (1 MiB), Reject and Goodbye both ways', async () => {
    await goodSession(connection)
  })

  it('refuses a frame whose length prefix exceeds the limit, before its bytes arrive, and keeps serving', async () => {
    const serverDone = nextSession()
    const stream = await connection.newStream(CHUNK_PROTOCOL)
    const tooLong = maxChunkProtocolFrameBytes(DEFAULT_WIRE_LIMITS) + 1
    // the prefix only, and a few bytes: a receiver waiting for the whole frame would hang here
    stream.send(Uint8Array.from([...writer().uint32(tooLong).finish(), 1, 2, 3]))
    const seen = await serverDone
    expect(seen.error).toBeInstanceOf(FrameTooLargeError)
    expect(seen.error).toBeInstanceOf(ProtocolError)
    expect(seen.streamStatus).toBe('aborted')
    await closed(stream)
    expect(stream.status).toBe('reset') // the bad peer sees a reset
    await goodSession(connection)
  })

  it('refuses garbage frames and bytes, and keeps serving', async () => {
    const garbage = [
      Uint8Array.from([5, 0xff, 0xff, 0xff, 0xff, 0xff]), // a small frame that is no message
      Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // a runaway varint
      patternBytes(5000, 99), // noise
    ]
    for (const bytes of garbage) {
      const serverDone = nextSession()
      const stream = await connection.newStream(CHUNK_PROTOCOL)
      stream.send(bytes)
      const seen = await serverDone
      expect(seen.error).toBeInstanceOf(ProtocolError)
      expect(seen.streamStatus).toBe('aborted')
      await closed(stream)
      expect(stream.status).toBe('reset')
    }
    await goodSession(connection)
  })

  it('refuses a session that does not start with Hello, or that announces another chunk count', async () => {
    let serverDone = nextSession()
    let channel = new MessageChannel(await connection.newStream(CHUNK_PROTOCOL))
    await channel.send({ type: 'request', indices: [0] })
    let seen = await serverDone
    expect(seen.error).toBeInstanceOf(UnexpectedMessageError)
    expect((seen.error as Error).message).toMatch(/request before its Hello/)

    // the client says 4 chunks; the server's Hello says 4 too, but here the client claims 5:
    // the server's channel notices when it answers with its own Hello of 4
    serverDone = nextSession()
    channel = new MessageChannel(await connection.newStream(CHUNK_PROTOCOL))
    await channel.send({ type: 'hello', manifest, bitfield: haves(5, []), seed: false })
    seen = await serverDone
    expect(seen.error).toBeInstanceOf(MalformedMessageError)
    expect((seen.error as Error).message).toMatch(/announces 5 chunks, manifest .* has 4/)
    await expect(channel.read()).rejects.toThrow(/reset/)
    await goodSession(connection)
  })

  it('a read abandoned through its signal loses nothing; reads do not overlap', async () => {
    const received = deferred<Stream>()
    await server.handle('/imgswarm-test/quiet/1.0.0', (stream) => received.resolve(stream))
    const channel = new MessageChannel(await connection.newStream('/imgswarm-test/quiet/1.0.0'))
    const serverChannel = new MessageChannel(await received.promise)
    const quiet = AbortSignal.timeout(100)
    const first = serverChannel.read({ signal: quiet })
    await expect(serverChannel.read()).rejects.toThrow(/concurrent reads/) // one reader at a time
    await expect(first).rejects.toMatchObject({ name: 'TimeoutError' })
    await channel.send({ type: 'hello', manifest, bitfield: haves(CHUNKS, []), seed: true })
    const msg = await serverChannel.read({ signal: AbortSignal.timeout(30_000) })
    expect(msg?.type === 'hello' && msg.seed).toBe(true)
    channel.abort(new Error('test over'))
    await server.unhandle('/imgswarm-test/quiet/1.0.0')
  })

  it('goodbye() sends a Goodbye and closes our side: once the peer closes too, the stream is gone from the connection', async () => {
    const received = deferred<Stream>()
    await server.handle('/imgswarm-test/goodbye/1.0.0', (stream) => received.resolve(stream))
    const stream = await connection.newStream('/imgswarm-test/goodbye/1.0.0')
    const channel = new MessageChannel(stream)
    await channel.send({ type: 'hello', manifest, bitfield: haves(CHUNKS, []), seed: false })
    const serverChannel = new MessageChannel(await received.promise)
    const signal = AbortSignal.timeout(30_000)
    expect((await serverChannel.read({ signal }))?.type).toBe('hello')

    await serverChannel.goodbye('too-many-peers')
    expect(await channel.read({ signal })).toMatchObject({ type: 'goodbye', reason: 'too-many-peers' })
    expect(await channel.read({ signal })).toBeUndefined() // the server's side is closed
    await channel.close()
    await closed(stream)
    expect(connection.streams.includes(stream)).toBe(false)
    await server.unhandle('/imgswarm-test/goodbye/1.0.0')
  })

  it('goodbye() never throws: on a stream already reset it only aborts', async () => {
    const received = deferred<Stream>()
    await server.handle('/imgswarm-test/goodbye-reset/1.0.0', (stream) => received.resolve(stream))
    const stream = await connection.newStream('/imgswarm-test/goodbye-reset/1.0.0')
    const serverChannel = new MessageChannel(await received.promise)
    stream.abort(new Error('gone'))
    await closed(stream)
    await expect(serverChannel.goodbye('done', 1_000)).resolves.toBeUndefined()
    await server.unhandle('/imgswarm-test/goodbye-reset/1.0.0')
  })

  it('holds back a fast sender while the receiver is slow (bounded buffers both ends)', async () => {
    const accepted = deferred<Stream>()
    await server.handle('/imgswarm-test/slow/1.0.0', (stream) => accepted.resolve(stream))
    const stream = await connection.newStream('/imgswarm-test/slow/1.0.0')
    const sender = new MessageChannel(stream, { chunkCount: 64 })
    const receiver = new MessageChannel(await accepted.promise, { chunkCount: 64 })

    await sender.send({ type: 'hello', manifest, bitfield: Bitfield.full(64), seed: true })
    expect((await receiver.read())?.type).toBe('hello')
    let maxQueued = 0
    let sent = 0
    const sending = (async () => {
      for (let index = 0; index < 64; index++) {
        await sender.send({ type: 'chunk', index, bytes: chunkBytes(index % 4) })
        maxQueued = Math.max(maxQueued, stream.writeBufferLength)
        sent++
      }
      await sender.close()
    })()
    sending.catch(() => {}) // awaited below; a failure must not surface as an unhandled rejection first
    // let the sender run into the receiver's window before reading anything
    await new Promise((resolve) => setTimeout(resolve, 500))
    const sentBeforeReading = sent
    let count = 0
    for await (const msg of receiver) {
      expect(msg.type === 'chunk' && Buffer.compare(chunkArray(msg.bytes), chunkBytes(msg.index % 4)) === 0).toBe(true)
      count++
    }
    await sending
    expect(count).toBe(64)
    expect(sentBeforeReading).toBeLessThan(64) // it had to wait for the reader
    expect(maxQueued).toBeLessThanOrEqual(MiB + 64) // never more than one frame queued past the window
    await server.unhandle('/imgswarm-test/slow/1.0.0')
  })
})

function haves(length: number, set: number[]): Bitfield {
  const b = new Bitfield(length)
  for (const i of set) b.set(i)
  return b
}
