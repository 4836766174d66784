/**
 * Chunk messages through @imgswarm/wire's MessageChannel vs raw stream writes of the same bytes,
 * over one TCP + Noise + yamux connection on 127.0.0.1, sender and receiver in separate
 * processes, timed on the receiver; raw and channel runs interleaved. Prints MiB/s per run and
 * a JSON line with the medians. BYTES (default 512 MiB), CHUNK (256 KiB), MODES override.
 *
 *   node --conditions=development --import tsx tools/bench/src/wire-channel-throughput.ts
 */
import '@imgswarm/core/polyfills'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { Bitfield } from '@imgswarm/core'
import type { Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { CHUNK_PROTOCOL, MessageChannel } from '@imgswarm/wire'
import { createLibp2p } from 'libp2p'

const RAW = '/bench/raw/1.0.0'
const TOTAL = Number(process.env.BYTES ?? 512 * 2 ** 20)
const SIZE = Number(process.env.CHUNK ?? 256 * 1024)
const COUNT = Math.ceil(TOTAL / SIZE)
const manifest = CID.createV1(0x55, identity.digest(Uint8Array.from([1])))
const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
})

if (process.argv[2] === 'send') {
  const conn = await node.dial(multiaddr(process.argv[3]))
  const block = new Uint8Array(SIZE).map((_, i) => (i * 2654435761) >>> 24)
  for await (const mode of createInterface({ input: process.stdin })) {
    const stream = await conn.newStream(mode === 'raw' ? RAW : CHUNK_PROTOCOL)
    if (mode === 'raw') {
      for (let i = 0; i < COUNT; i++) {
        if (!stream.send(block)) while (stream.writableNeedsDrain) await new Promise((r) => stream.addEventListener('drain', r, { once: true }))
      }
      await stream.close()
    } else {
      const channel = new MessageChannel(stream)
      await channel.send({ type: 'hello', manifest, bitfield: Bitfield.full(COUNT), seed: true })
      for (let i = 0; i < COUNT; i++) await channel.send({ type: 'chunk', index: i, bytes: block })
      await channel.close()
    }
  }
  await node.stop()
  process.exit(0)
} else {
  let done!: (mibps: number) => void
  const timed = async (stream: Stream, count: () => AsyncIterable<number>): Promise<void> => {
    const start = process.hrtime.bigint()
    let bytes = 0
    for await (const n of count()) bytes += n
    done(bytes / 2 ** 20 / (Number(process.hrtime.bigint() - start) / 1e9))
  }
  await node.handle(RAW, (s) => timed(s, async function* () { for await (const b of s) yield b.byteLength }))
  await node.handle(CHUNK_PROTOCOL, (s) => timed(s, async function* () {
    for await (const m of new MessageChannel(s)) if (m.type === 'chunk') yield m.bytes.byteLength
  }))
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], 'send', node.getMultiaddrs()[0].toString()], { stdio: ['pipe', 'inherit', 'inherit'] })
  const runs: Record<string, number[]> = { raw: [], channel: [] }
  for (const mode of (process.env.MODES ?? 'raw,channel,raw,channel,raw,channel').split(',')) {
    const result = new Promise<number>((r) => { done = r })
    child.stdin.write(`${mode}\n`)
    runs[mode].push(await result)
    console.log(`${mode.padEnd(7)} ${runs[mode].at(-1)!.toFixed(0)} MiB/s`)
  }
  const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]
  if (runs.raw.length && runs.channel.length) console.log(JSON.stringify({ bytes: TOTAL, chunk: SIZE, rawMiBps: Math.round(median(runs.raw)), channelMiBps: Math.round(median(runs.channel)) }))
  child.stdin.end()
  await new Promise((r) => child.on('exit', r))
  await node.stop()
}
