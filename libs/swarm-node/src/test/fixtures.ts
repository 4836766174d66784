import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
export { sha256File, writeRandomFile } from '@imgswarm/test-support'

/** A fresh temp dir and its removal. */
export async function tempDir(prefix = 'imgswarm-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}


