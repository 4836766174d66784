import { open, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { StorageError, type ChunkBytes } from '@imgswarm/core'
import { PARTIAL_FILE_SUFFIX } from './constants.js'
import type { ImageFileHandle, OpenImageFile } from './types.js'

/**
 * Where to assemble an image that will end up at `outPath`: a hidden file beside it, so the
 * final rename stays on one file system and is atomic.
 */
export function partialPathFor(outPath: string): string {
  const abs = resolve(outPath)
  return join(dirname(abs), `.${basename(abs)}${PARTIAL_FILE_SUFFIX}`)
}

/**
 * Positional write of all of `bytes` (a write may be short, e.g. at a file size limit). Pieces
 * go out in one gathered write, not joined first.
 */
export async function writeFully(fh: ImageFileHandle, bytes: ChunkBytes, position: number): Promise<void> {
  if (!(bytes instanceof Uint8Array)) return writePieces(fh, [...bytes], position)
  let done = 0
  while (done < bytes.byteLength) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.byteLength - done, position + done)
    if (bytesWritten <= 0) throw new StorageError(`write at offset ${position + done} made no progress`)
    done += bytesWritten
  }
}

async function writePieces(fh: ImageFileHandle, pieces: Uint8Array[], position: number): Promise<void> {
  let rest = pieces.filter((p) => p.byteLength > 0)
  let at = position
  while (rest.length > 0) {
    const { bytesWritten } = await fh.writev(rest, at)
    if (bytesWritten <= 0) throw new StorageError(`write at offset ${at} made no progress`)
    at += bytesWritten
    // drop what was written: whole pieces, then the front of a piece written in part
    let skip = bytesWritten
    while (rest.length > 0 && skip >= rest[0].byteLength) {
      skip -= rest[0].byteLength
      rest = rest.slice(1)
    }
    if (skip > 0) rest = [rest[0].subarray(skip), ...rest.slice(1)]
  }
}

/** Positional read of exactly `length` bytes into a new buffer. */
export async function readFully(fh: ImageFileHandle, length: number, position: number): Promise<Uint8Array> {
  const buf = Buffer.allocUnsafe(length)
  let done = 0
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done)
    if (bytesRead <= 0) {
      throw new StorageError(`file ended at offset ${position + done}, ${length - done} bytes short: was it truncated?`)
    }
    done += bytesRead
  }
  return buf
}

/** fsync a directory, so a rename or a file creation in it survives a power loss. */
export async function syncDirectory(dir: string, openFile: OpenImageFile = open): Promise<void> {
  const fh = await openFile(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** stat, or undefined if nothing is there. */
export async function statIfExists(path: string): Promise<{ size: number; ino: number; birthtimeMs: number; isFile(): boolean } | undefined> {
  try {
    return await stat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      return undefined
    }
    throw err
  }
}
