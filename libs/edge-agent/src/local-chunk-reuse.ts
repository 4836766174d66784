import { open, type FileHandle } from 'node:fs/promises'
import type { ImageManifest } from '@imgswarm/core'
import type { ImageDownload } from '@imgswarm/chunk-store'
import { isChunkValid } from '@imgswarm/chunker'

/** A complete image version on this node whose chunks a new version may share. */
export interface ReuseSource {
  path: string
  manifest: ImageManifest
}

export interface ReuseResult {
  chunks: number
  bytes: number
}

/**
 * Copies into `target` every chunk it lacks that a kept version already has (same chunk CID), so
 * a new version fetches only what changed. Each copied chunk is checked against its CID again:
 * a local file that rotted is no better than a lying peer. Sources that cannot be read are skipped.
 */
export async function reuseLocalChunks(target: ImageDownload, sources: readonly ReuseSource[]): Promise<ReuseResult> {
  // where each chunk CID can be read: the first source that has it
  const where = new Map<string, { source: number; offset: number; length: number }>()
  sources.forEach((s, source) => {
    for (const c of s.manifest.chunks) {
      const key = c.cid.toString()
      if (!where.has(key)) where.set(key, { source, offset: c.offset, length: c.length })
    }
  })
  const handles = new Map<number, FileHandle | null>()
  const handle = async (source: number): Promise<FileHandle | null> => {
    if (!handles.has(source)) handles.set(source, await open(sources[source].path, 'r').catch(() => null))
    return handles.get(source) ?? null
  }
  const result: ReuseResult = { chunks: 0, bytes: 0 }
  try {
    for (const [index, ref] of target.manifest.chunks.entries()) {
      if (target.has(index)) continue
      const found = where.get(ref.cid.toString())
      if (found === undefined || found.length !== ref.length) continue
      const fh = await handle(found.source)
      if (fh === null) continue
      const bytes = new Uint8Array(ref.length)
      const { bytesRead } = await fh.read(bytes, 0, ref.length, found.offset).catch(() => ({ bytesRead: -1 }))
      if (bytesRead !== ref.length || !isChunkValid(ref.cid, bytes)) continue
      await target.write(index, bytes)
      result.chunks++
      result.bytes += ref.length
    }
    await target.flush()
  } finally {
    for (const fh of handles.values()) await fh?.close().catch(() => undefined)
  }
  return result
}
