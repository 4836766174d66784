/**
 * One side of the raw libp2p throughput ceiling: the same host as imgswarm (TCP, Noise,
 * yamux), one stream, just bytes. `serve` prints its address and sends `--bytes` in
 * 256 KiB writes to whoever opens the stream; `pull` dials, reads everything and prints
 * {"bytes":…,"seconds":…,"cpuSeconds":…} on stdout (its CPU time during the transfer).
 */
import '@imgswarm/core/polyfills'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { createHost } from '@imgswarm/swarm-node'

const PROTOCOL = '/imgswarm-bench/raw/1.0.0'
const WRITE_SIZE = 256 * 1024

const [mode, arg] = process.argv.slice(2)
const host = await createHost({ privateKey: await generateKeyPair('Ed25519') })
await host.start()

if (mode === 'serve') {
  const total = Number(arg)
  const block = new Uint8Array(WRITE_SIZE).fill(7)
  await host.handle(PROTOCOL, async (stream) => {
    let sent = 0
    while (sent < total) {
      const n = Math.min(WRITE_SIZE, total - sent)
      // wait for the 'drain' event itself: onDrain() in @libp2p/utils 7.4 resolves at once after the first drain
      if (!stream.send(n === WRITE_SIZE ? block : block.subarray(0, n))) {
        await new Promise((resolve) => stream.addEventListener('drain', resolve, { once: true }))
      }
      sent += n
    }
    await stream.close()
  })
  process.stdout.write(`${host.getMultiaddrs()[0].toString()}\n`)
  process.on('SIGTERM', () => {
    void Promise.resolve(host.stop()).then(() => process.exit(0))
  })
} else if (mode === 'pull') {
  const stream = await host.dialProtocol(multiaddr(arg), PROTOCOL)
  // as imgswarm's MessageChannel does: a stalled reader must not trip the 4 MiB default while
  // the yamux window lets 16 MiB be in flight
  stream.maxReadBufferLength = 64 * 1024 * 1024
  const cpuAtStart = process.cpuUsage()
  const start = process.hrtime.bigint()
  let bytes = 0
  for await (const buf of stream) bytes += buf.byteLength
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const cpu = process.cpuUsage(cpuAtStart)
  process.stdout.write(`${JSON.stringify({ bytes, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`)
  await host.stop()
  process.exit(0)
} else {
  process.stderr.write('usage: raw-stream-peer serve <bytes> | pull <multiaddr>\n')
  process.exit(2)
}
