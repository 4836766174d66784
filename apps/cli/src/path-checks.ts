import { stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { InvalidInputError, StorageError } from '@imgswarm/core'

/**
 * Checks made before a command starts a node, so a mistyped path fails at once with a message
 * naming the option and the path, and leaves nothing behind (no data dir, no key, no peer dialled).
 * The stores check again when they open the files: these checks only make the common mistakes clear.
 */

/** The image file given to `seed`: it must exist, be a regular file and not be empty. */
export async function checkInputFile(path: string): Promise<void> {
  const file = resolve(path)
  const info = await statOrUndefined(file, `image file ${file}`)
  if (info === undefined) throw new InvalidInputError(`image file ${file} does not exist`)
  if (info.isDirectory()) throw new InvalidInputError(`image file ${file} is a directory: give the path of a file`)
  if (!info.isFile()) throw new InvalidInputError(`image file ${file} is not a regular file`)
  if (info.size === 0) throw new InvalidInputError(`image file ${file} is empty`)
}

/** `fetch --out`: its directory must exist (it is not created) and the path must not be a directory. */
export async function checkOutputPath(path: string): Promise<void> {
  const out = resolve(path)
  const dir = dirname(out)
  const dirInfo = await statOrUndefined(dir, `--out ${out}`)
  if (dirInfo === undefined) {
    throw new StorageError(`--out ${out}: directory ${dir} does not exist: create it first or choose another path`)
  }
  if (!dirInfo.isDirectory()) throw new StorageError(`--out ${out}: ${dir} is not a directory: choose another path`)
  const outInfo = await statOrUndefined(out, `--out ${out}`)
  if (outInfo?.isDirectory() === true) throw new StorageError(`--out ${out} is a directory: give the path of a file`)
}

/** `undefined` when the path (or a directory above it) does not exist; other failures are errors. */
async function statOrUndefined(path: string, what: string): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
  try {
    return await stat(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    if (code === 'ENOTDIR') {
      throw new StorageError(`${what}: a component of ${path} is a file, not a directory: choose another path`, { cause: err })
    }
    throw new StorageError(`${what}: cannot read ${path}: ${(err as Error).message}`, { cause: err })
  }
}
