// A file of random bytes (nothing dedupes by accident), cached under the system temp dir so
// reruns of a benchmark skip the generation.
import { randomFillSync } from 'node:crypto'
import { mkdir, open, rename, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const BENCH_CACHE_DIR = join(tmpdir(), 'imgswarm-bench')

/** Path of a random file of exactly `size` bytes, generated on first use and then reused. */
export async function randomFile(size: number): Promise<string> {
  await mkdir(BENCH_CACHE_DIR, { recursive: true })
  const path = join(BENCH_CACHE_DIR, `random-${size}.bin`)
  const existing = await stat(path).catch(() => undefined)
  if (existing?.size === size) return path
  console.log(`generating ${path} (${size} random bytes)…`)
  const partial = `${path}.${process.pid}.partial` // renamed when complete: never a short file
  const file = await open(partial, 'w')
  try {
    const block = Buffer.allocUnsafe(8 * 1024 * 1024)
    for (let written = 0; written < size; ) {
      const n = Math.min(block.length, size - written)
      randomFillSync(block, 0, n)
      await file.write(block, 0, n, written)
      written += n
    }
  } finally {
    await file.close()
  }
  await rename(partial, path)
  return path
}
