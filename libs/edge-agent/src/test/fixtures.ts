// Test fixtures shared by this library's specs (not exported from the package).
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A fresh temp dir and its removal. */
export async function tempDir(prefix = 'imgswarm-agent-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

/** Writes `size` random bytes to `path` in 1 MiB pieces. */
export async function writeRandomFile(path: string, size: number): Promise<void> {
  const file = await open(path, 'w')
  try {
    for (let done = 0; done < size; ) {
      const n = Math.min(1024 * 1024, size - done)
      await file.write(randomBytes(n))
      done += n
    }
  } finally {
    await file.close()
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${(last as Error).message}`}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
