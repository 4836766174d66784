/**
 * @packageDocumentation
 * Helpers for tests only (imported by spec files and their support code, never by production
 * code): random image files written in bounded memory, and a file's sha256.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'

const PIECE = 1024 * 1024

/** Writes `size` random bytes to `path` in 1 MiB pieces (never the whole image in memory). */
export async function writeRandomFile(path: string, size: number): Promise<void> {
  const file = await open(path, 'w')
  try {
    for (let done = 0; done < size; ) {
      const n = Math.min(PIECE, size - done)
      await file.write(randomBytes(n))
      done += n
    }
  } finally {
    await file.close()
  }
}

/** The sha256 of a file, read as a stream, in hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
