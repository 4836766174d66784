import { createHash, randomFillSync } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'

/** The image every system distributes. */
export interface TestImage {
  path: string
  sizeBytes: number
  /** Hex sha256 of the whole file. */
  sha256: string
}

const WRITE_BLOCK = 4 * 2 ** 20

/** Writes `sizeBytes` of random bytes (so nothing dedupes by accident) and hashes them on the way. */
export async function createTestImage(path: string, sizeBytes: number): Promise<TestImage> {
  const hash = createHash('sha256')
  const block = Buffer.allocUnsafe(Math.min(WRITE_BLOCK, sizeBytes))
  const file = await open(path, 'w')
  try {
    for (let written = 0; written < sizeBytes; ) {
      const chunk = block.subarray(0, Math.min(block.length, sizeBytes - written))
      randomFillSync(chunk)
      hash.update(chunk)
      await file.write(chunk, 0, chunk.length)
      written += chunk.length
    }
  } finally {
    await file.close()
  }
  return { path, sizeBytes, sha256: hash.digest('hex') }
}

/** Hex sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: WRITE_BLOCK })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** sha256 of each file (`undefined` where it is missing or unreadable), `concurrency` at a time. */
export async function sha256Files(paths: readonly string[], concurrency = 2): Promise<(string | undefined)[]> {
  const results: (string | undefined)[] = new Array(paths.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const i = next++
      results[i] = await sha256File(paths[i]).catch(() => undefined)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, worker))
  return results
}
