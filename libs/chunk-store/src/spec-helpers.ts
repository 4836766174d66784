// Test helpers shared by this library's specs and child-process fixtures; not exported.
import { spawn } from 'node:child_process'
import { createCipheriv, createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChunkRef, ImageManifest } from '@imgswarm/core'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'

export interface TestImage {
  bytes: Uint8Array
  manifest: ImageManifest
  /** A fake manifest CID string (the store treats it as an opaque key). */
  cid: string
  chunk(index: number): Uint8Array
}

/**
 * A deterministic pseudo-random image (AES-CTR keystream of `seed`) cut into fixed-length
 * chunks (the last one shorter), with a manifest whose chunk CIDs are real sha2-256 raw CIDs.
 */
export function makeImage(size: number, chunkLength: number, seed = 1): TestImage {
  const key = createHash('sha256').update(`image ${seed}`).digest().subarray(0, 16)
  const bytes = new Uint8Array(createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size)))
  const chunks: ChunkRef[] = []
  for (let offset = 0; offset < size; offset += chunkLength) {
    const length = Math.min(chunkLength, size - offset)
    chunks.push({ cid: cidOf(bytes.subarray(offset, offset + length)), offset, length })
  }
  const manifest: ImageManifest = {
    format: 1,
    name: 'test-image',
    version: String(seed),
    size,
    chunking: { algorithm: 'fastcdc-gear-v1', minSize: 64, avgSize: chunkLength, maxSize: chunkLength * 4 },
    chunks,
    createdAt: '2026-11-01T00:00:00.000Z',
    publisher: 'z6MkTestPublisher',
  }
  return {
    bytes,
    manifest,
    cid: `bafy-test-${seed}-${size}-${chunkLength}`,
    chunk: (index) => bytes.subarray(chunks[index].offset, chunks[index].offset + chunks[index].length),
  }
}

export function cidOf(bytes: Uint8Array): CID {
  return CID.createV1(raw.code, Digest.create(sha256.code, createHash('sha256').update(bytes).digest()))
}

/** The verify function a real caller gets from the chunker, done here with node:crypto. */
export function chunkMatches(ref: ChunkRef, bytes: Uint8Array): boolean {
  return cidOf(bytes).equals(ref.cid)
}

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'imgswarm-chunk-store-'))
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}

/** A fixed shuffle of 0..n-1 (so "out of order" is the same in every run). */
export function shuffled(n: number, seed = 7): number[] {
  const order = Array.from({ length: n }, (_, i) => i)
  let state = seed
  for (let i = n - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    const j = state % (i + 1)
    ;[order[i], order[j]] = [order[j], order[i]]
  }
  return order
}

export const CHILD_SCRIPT = fileURLToPath(new URL('./test-fixtures/download-child.ts', import.meta.url))
/** The repository root: `--import tsx` resolves from the working directory. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** Arguments of the child process fixture (passed as one JSON argument). */
export interface ChildArgs {
  mode: 'crash' | 'write-all'
  dataDir: string
  partialPath: string
  size: number
  chunkLength: number
  seed: number
  flushChunks: number
}

/**
 * Runs the child fixture with Node and tsx (TypeScript, workspace packages resolved to their
 * sources through the `development` condition), optionally under `sh -c 'ulimit -f …'`.
 * `onLine` sees each stdout line and may kill the child.
 */
export function runChild(
  args: ChildArgs,
  options: { fileSizeLimitBlocks?: number; onLine?: (line: string, kill: () => void) => void } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; lines: string[]; stderr: string }> {
  const node = [process.execPath, '--conditions=development', '--import', 'tsx', CHILD_SCRIPT, JSON.stringify(args)]
  const [cmd, argv] =
    options.fileSizeLimitBlocks === undefined
      ? [node[0], node.slice(1)]
      : ['/bin/sh', ['-c', `ulimit -f ${options.fileSizeLimitBlocks} && exec "$@"`, 'sh', ...node]]
  const child = spawn(cmd, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  let stderr = ''
  let pending = ''
  const kill = (): void => {
    child.kill('SIGKILL')
  }
  child.stdout.setEncoding('utf8').on('data', (data: string) => {
    pending += data
    let nl: number
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl)
      pending = pending.slice(nl + 1)
      lines.push(line)
      options.onLine?.(line, kill)
    }
  })
  child.stderr.setEncoding('utf8').on('data', (data: string) => {
    stderr += data
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, lines, stderr }))
  })
}

/** `Promise.withResolvers` (the polyfill provides it at run time; the ES2023 lib does not type it). */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

/** Byte equality without Jest's element-by-element deep equality (slow on large arrays). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}
