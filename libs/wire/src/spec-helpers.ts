// Test support only (not exported): real libp2p nodes on loopback, stream and promise helpers.
import '@imgswarm/core/polyfills'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import type { Libp2p, Stream, StreamCloseEvent } from '@libp2p/interface'
import { createLibp2p } from 'libp2p'

/** A started node with the production transport stack: TCP on 127.0.0.1, Noise, yamux. */
export async function startNode(): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  })
}

/** Resolves with the stream's 'close' event (at once if it already closed). */
export function closed(stream: Stream): Promise<StreamCloseEvent | undefined> {
  if (stream.status !== 'open' && stream.status !== 'closing') return Promise.resolve(undefined)
  return new Promise((resolve) => stream.addEventListener('close', resolve, { once: true }))
}

/** A promise with its resolve/reject exposed, for results produced inside stream handlers. */
export function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(err: unknown): void } {
  let resolve!: (value: T) => void
  let reject!: (err: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Deterministic pseudo-random bytes (xorshift32). */
export function patternBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed >>> 0 || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}
