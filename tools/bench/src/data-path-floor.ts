// The CPU a verified fetch cannot avoid on this machine, whatever the protocol: read the image at
// the sender, sha2-256 every byte and write it at the receiver, made durable as the store does
// (a datasync every 128 chunks). Measured in this process with synchronous calls, so every
// CPU-second is counted (the kernel's own writeback threads are not).
import { createHash } from 'node:crypto'
import { closeSync, fdatasyncSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs'

const CHUNK = 256 * 1024
const CHUNKS_PER_DATASYNC = 128

export interface DataPathFloor {
  /** CPU seconds per GiB for each part. */
  read: number
  hash: number
  write: number
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1e6
}

/** Reads `file` (`size` bytes), hashes it, writes a copy to `scratch` (deleted after). */
export function measureDataPathFloor(file: string, size: number, scratch: string): DataPathFloor {
  const gib = size / 2 ** 30
  const buf = Buffer.allocUnsafe(CHUNK)
  const chunks = Math.ceil(size / CHUNK)
  const lengthOf = (i: number): number => Math.min(CHUNK, size - i * CHUNK)

  const input = openSync(file, 'r')
  let start = process.cpuUsage()
  try {
    for (let i = 0; i < chunks; i++) readSync(input, buf, 0, lengthOf(i), i * CHUNK)
  } finally {
    closeSync(input)
  }
  const read = cpuSince(start) / gib

  start = process.cpuUsage()
  for (let i = 0; i < chunks; i++) createHash('sha256').update(buf.subarray(0, lengthOf(i))).digest()
  const hash = cpuSince(start) / gib

  const output = openSync(scratch, 'w')
  start = process.cpuUsage()
  try {
    for (let i = 0; i < chunks; i++) {
      writeSync(output, buf, 0, lengthOf(i), i * CHUNK)
      if (i % CHUNKS_PER_DATASYNC === CHUNKS_PER_DATASYNC - 1) fdatasyncSync(output)
    }
    fdatasyncSync(output)
  } finally {
    closeSync(output)
    unlinkSync(scratch)
  }
  const write = cpuSince(start) / gib
  return { read, hash, write }
}
