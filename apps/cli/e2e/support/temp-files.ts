import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
export { sha256File, writeRandomFile } from '@imgswarm/test-support'

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



export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}
