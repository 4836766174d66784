import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, open, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const MiB = 1024 * 1024

/** Temp dirs made by a test file, all removed by `removeAll` (call it in afterAll). */
export class TempDirs {
  readonly #paths: string[] = []

  async make(prefix = 'imgswarm-e2e-'): Promise<string> {
    const path = await mkdtemp(join(tmpdir(), prefix))
    this.#paths.push(path)
    return path
  }

  async removeAll(): Promise<void> {
    await Promise.all(this.#paths.splice(0).map((p) => rm(p, { recursive: true, force: true })))
  }
}

/** Writes `size` random bytes to `path` in 1 MiB pieces. */
export async function writeRandomFile(path: string, size: number): Promise<void> {
  const file = await open(path, 'w')
  try {
    for (let done = 0; done < size; ) {
      const n = Math.min(MiB, size - done)
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

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}
