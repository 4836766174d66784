import { Worker } from 'node:worker_threads'

// The worker's whole program: hash ranges of the shared memory in place, reply with the digests.
// Evaluated as a script (not a module file) so it runs the same from src/, dist/ and under Jest.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const memory = new Uint8Array(workerData)
parentPort.on('message', ({ id, ranges }) => {
  const digests = new Uint8Array(16 * ranges.length)
  for (let i = 0; i < ranges.length; i += 2) {
    const view = memory.subarray(ranges[i], ranges[i] + ranges[i + 1])
    digests.set(createHash('sha256').update(view).digest(), 16 * i)
  }
  parentPort.postMessage({ id, digests }, [digests.buffer])
})
`

interface Pending {
  resolve(digests: Uint8Array): void
  reject(err: Error): void
  bytes: number
  worker: number
}

/**
 * sha2-256 on worker threads over one SharedArrayBuffer: the caller names byte ranges, the
 * workers hash them where they lie (no copy), so hashing overlaps with the caller's own work.
 */
export class HashPool {
  private readonly workers: Worker[]
  /** Bytes queued on each worker, to send each batch to the least busy one. */
  private readonly queued: number[]
  private readonly pending = new Map<number, Pending>()
  private nextId = 0
  private failure: Error | undefined

  constructor(memory: SharedArrayBuffer, workers: number) {
    this.workers = []
    this.queued = []
    for (let w = 0; w < workers; w++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: memory })
      worker.on('message', (msg: { id: number; digests: Uint8Array }) => this.settle(msg.id, msg.digests))
      worker.on('error', (err) => this.fail(err))
      worker.on('exit', (code) => this.fail(new Error(`hash worker exited with code ${code}`)))
      this.workers.push(worker)
      this.queued.push(0)
    }
  }

  /**
   * Hashes the ranges [address, length, address, length, …] of the shared memory; resolves with
   * their 32-byte digests, concatenated in order. The bytes must not change until then.
   */
  hash(ranges: Float64Array): Promise<Uint8Array> {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    let bytes = 0
    for (let i = 1; i < ranges.length; i += 2) bytes += ranges[i]
    let worker = 0
    for (let w = 1; w < this.workers.length; w++) if (this.queued[w] < this.queued[worker]) worker = w
    const id = this.nextId++
    this.queued[worker] += bytes
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, bytes, worker })
      this.workers[worker].postMessage({ id, ranges }, [ranges.buffer as ArrayBuffer])
    })
  }

  /** Stops the workers; hashes still pending are rejected. */
  async close(): Promise<void> {
    this.fail(new Error('hash pool closed'))
    await Promise.all(this.workers.map((w) => w.terminate()))
  }

  private settle(id: number, digests: Uint8Array): void {
    const job = this.pending.get(id)
    if (job === undefined) return
    this.pending.delete(id)
    this.queued[job.worker] -= job.bytes
    job.resolve(digests)
  }

  private fail(err: Error): void {
    this.failure ??= err
    for (const job of this.pending.values()) job.reject(this.failure)
    this.pending.clear()
  }
}
