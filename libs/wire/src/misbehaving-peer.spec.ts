import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { Bitfield, chunkArray } from '@imgswarm/core'
import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { writer } from 'protons-runtime'
import { CHUNK_PROTOCOL } from './constants.js'
import { DEFAULT_WIRE_LIMITS, maxChunkProtocolFrameBytes } from './limits.js'
import { MessageChannel } from './message-channel.js'
import { closed, patternBytes, startNode } from './spec-helpers.js'

// The receiving node runs in a child process with its own 'uncaughtException' and
// 'unhandledRejection' listeners; this test plays the bad peers, then a good one, and reads
// the child's count of uncaught errors at the end.

const responderPath = fileURLToPath(new URL('./spec-responder.ts', import.meta.url))

describe('a node facing misbehaving peers (separate process)', () => {
  let child: ChildProcessWithoutNullStreams
  let lines: AsyncIterator<string>
  let client: Libp2p

  async function nextLine(): Promise<Record<string, unknown>> {
    const { value, done } = await lines.next()
    if (done === true) throw new Error('responder exited early')
    return JSON.parse(value) as Record<string, unknown>
  }

  beforeAll(async () => {
    child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', responderPath], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    child.stderr.resume()
    lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
    client = await startNode()
  })

  afterAll(async () => {
    await client?.stop()
    if (child.exitCode === null) child.kill('SIGKILL')
  })

  it('resets the bad streams, serves a good peer afterwards, and never throws uncaught', async () => {
    const { listening } = await nextLine()
    const connection = await client.dial(multiaddr(String(listening)))

    const tooLong = maxChunkProtocolFrameBytes(DEFAULT_WIRE_LIMITS) + 1
    const attacks = [
      Uint8Array.from([...writer().uint32(tooLong).finish(), 0, 0, 0]), // oversized length prefix
      patternBytes(3000, 42), // garbage
      Uint8Array.from([3, 0x0a, 0x01, 0xff]), // a frame that is no message
    ]
    for (const bytes of attacks) {
      const stream = await connection.newStream(CHUNK_PROTOCOL)
      stream.send(bytes)
      await closed(stream)
      expect(stream.status).toBe('reset')
      const session = await nextLine()
      expect(session).toMatchObject({ session: 'error', code: 'ERR_PROTOCOL', status: 'aborted' })
    }

    const manifest = CID.createV1(raw.code, await sha256.digest(Uint8Array.from([7])))
    const channel = new MessageChannel(await connection.newStream(CHUNK_PROTOCOL))
    const signal = AbortSignal.timeout(30_000)
    await channel.send({ type: 'hello', manifest, bitfield: new Bitfield(8), seed: false })
    expect((await channel.read({ signal }))?.type).toBe('hello')
    await channel.send({ type: 'request', indices: [5] })
    const chunk = await channel.read({ signal })
    expect(chunk?.type === 'chunk' && chunk.index === 5 && Buffer.compare(chunkArray(chunk.bytes), patternBytes(1024 * 1024, 6)) === 0).toBe(true)
    await channel.send({ type: 'goodbye', reason: 'done' })
    await channel.close()
    expect(await channel.read({ signal })).toBeUndefined()
    expect(await nextLine()).toEqual({ session: 'ok' })

    child.stdin.write('report\n')
    expect(await nextLine()).toEqual({ uncaught: 0, unhandled: 0 })
  })
})
