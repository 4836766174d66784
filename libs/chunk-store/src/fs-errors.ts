import { dirname } from 'node:path'
import { ImgswarmError, StorageError } from '@imgswarm/core'
import { DiskFullError } from './errors.js'

/**
 * Turns a Node file-system error into a StorageError that says what was being done, where, and
 * what a person can do about it. `action` reads like "writing /x/y (chunk 12 at offset 3145728)".
 * ImgswarmErrors pass through unchanged.
 */
export function storageError(err: unknown, action: string, path: string): ImgswarmError {
  if (err instanceof ImgswarmError) return err
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  const dir = dirname(path)
  switch (code) {
    case 'ENOSPC':
      return new DiskFullError(`disk full ${action}: free space on the file system holding ${dir}`, { cause: err })
    case 'EDQUOT':
      return new DiskFullError(`disk quota exceeded ${action}: free space or raise the quota for ${dir}`, {
        cause: err,
      })
    case 'EFBIG':
      return new DiskFullError(
        `file too large ${action}: the file system or this process's file size limit (ulimit -f) does not allow it`,
        { cause: err },
      )
    case 'EACCES':
    case 'EPERM':
      return new StorageError(`permission denied ${action}: make ${dir} writable by this user or choose another path`, {
        cause: err,
      })
    case 'ENOENT':
      return new StorageError(`no such file or directory ${action}: create ${dir} first or choose another path`, {
        cause: err,
      })
    case 'ENOTDIR':
      return new StorageError(`not a directory ${action}: a component of ${path} is a file, choose another path`, {
        cause: err,
      })
    case 'EISDIR':
      return new StorageError(`is a directory ${action}: ${path} must be a file path`, { cause: err })
    case 'EROFS':
      return new StorageError(`read-only file system ${action}: choose a path on a writable file system`, {
        cause: err,
      })
    case 'EXDEV':
      return new StorageError(
        `cross-device rename ${action}: the partial file must be on the output's file system (use partialPathFor)`,
        { cause: err },
      )
    case 'EIO':
      return new StorageError(`I/O error ${action}: the disk may be failing`, { cause: err })
    default: {
      const reason = err instanceof Error ? err.message : String(err)
      return new StorageError(`failed ${action}: ${reason}`, { cause: err })
    }
  }
}
