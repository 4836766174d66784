// Test support only: a chunk-protocol responder in its own process, so that a test can check
// that misbehaving peers never cause an uncaught exception (Jest swaps out process-level error
// listeners while a test runs, so this cannot be observed from inside Jest).
//
// Prints {"listening":"<multiaddr>"} once serving and one {"session":…} line per session. On a
// "report" line on stdin it prints {"uncaught":n,"unhandled":n}, stops and exits.
import '@imgswarm/core/polyfills'
import { createInterface } from 'node:readline'
import { Bitfield } from '@imgswarm/core'
import { CHUNK_PROTOCOL } from './constants.js'
import { MessageChannel } from './message-channel.js'
import { patternBytes, startNode } from './spec-helpers.js'

let uncaught = 0
let unhandled = 0
process.on('uncaughtException', () => uncaught++)
process.on('unhandledRejection', () => unhandled++)

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value)}\n`)
}

const node = await startNode()
await node.handle(CHUNK_PROTOCOL, async (stream) => {
  const channel = new MessageChannel(stream)
  try {
    for await (const msg of channel) {
      if (msg.type === 'hello') {
        await channel.send({ type: 'hello', manifest: msg.manifest, bitfield: Bitfield.full(msg.bitfield.length), seed: true })
      } else if (msg.type === 'request') {
        for (const index of msg.indices) await channel.send({ type: 'chunk', index, bytes: patternBytes(1024 * 1024, index + 1) })
      } else if (msg.type === 'goodbye') {
        await channel.close()
      }
    }
    print({ session: 'ok' })
  } catch (err) {
    print({ session: 'error', name: (err as Error).name, code: (err as { code?: string }).code, status: stream.status })
  }
})
print({ listening: node.getMultiaddrs()[0].toString() })

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === 'report') break
}
print({ uncaught, unhandled })
await node.stop()
process.exit(0)
