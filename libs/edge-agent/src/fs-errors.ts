import { ImgswarmError, StorageError } from '@imgswarm/core'
import { DiskFullError } from '@imgswarm/chunk-store'

/**
 * Turns a file-system error into a StorageError saying what was being done, where, and what a
 * person can do about it (`action` reads like "creating image directory /x/y").
 */
export function fsError(err: unknown, action: string, path: string): ImgswarmError {
  if (err instanceof ImgswarmError) return err
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  const options = { cause: err }
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new DiskFullError(`disk full ${action}: free space on the file system holding ${path}`, options)
    case 'EACCES':
    case 'EPERM':
      return new StorageError(`permission denied ${action}: make ${path} writable by the agent's user`, options)
    case 'EROFS':
      return new StorageError(`read-only file system ${action}: the data dir must be on a writable file system`, options)
    case 'EEXIST':
      return new StorageError(`not a directory ${action}: ${path} exists and is not a directory`, options)
    case 'ENOTDIR':
      return new StorageError(`not a directory ${action}: a component of ${path} is a file`, options)
    default:
      return new StorageError(`failed ${action}: ${err instanceof Error ? err.message : String(err)}`, options)
  }
}
