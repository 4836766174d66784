import { open, type FileHandle } from 'node:fs/promises'
import { InvalidInputError, StorageError, type ChunkingParams, type ChunkRef, type ImgswarmError } from '@imgswarm/core'
import type { CID } from 'multiformats/cid'
import { cidFromSha256 } from './chunk-cid.js'
import { Chunker } from './chunker.js'
import { DEFAULT_HASH_WORKERS, DEFAULT_READ_BLOCK_SIZE, DEFAULT_READ_SLOTS } from './constants.js'
import { WASM_DATA_START, WasmGearScanner } from './gear-wasm.js'
import { HashPool } from './hash-pool.js'
import { resolveChunkingParams } from './params.js'

export interface ChunkFileOptions {
  signal?: AbortSignal
  /** Called after each block with the number of bytes read and cut so far. */
  onProgress?(bytes: number): void
  /** Bytes read per block (default DEFAULT_READ_BLOCK_SIZE). */
  readBlockSize?: number
  /** Worker threads hashing chunks (default DEFAULT_HASH_WORKERS). */
  hashWorkers?: number
  /** Blocks held in memory at once, at least 4 (default DEFAULT_READ_SLOTS). */
  readSlots?: number
}

/** A chunk whose digest is still being computed. */
interface PendingChunk {
  cid: CID | undefined
  offset: number
  length: number
}

/**
 * Cuts a file into content-defined chunks and hashes them: the ordered chunks covering the file
 * contiguously, each with its CID. The file is streamed in blocks through a fixed set of buffers
 * (DEFAULT_READ_SLOTS × (readBlockSize + maxSize), 40 MiB by default), never held whole.
 *
 * Three things overlap: the next blocks are read (libuv threadpool) while the main thread finds
 * boundaries with the wasm gear scan, and worker threads hash the chunks already found, reading
 * the same shared memory. A chunk that spans two blocks is made contiguous by copying its start
 * (less than maxSize) in front of the next block, so no chunk is ever assembled from pieces.
 */
export async function chunkFile(
  path: string,
  params: Partial<ChunkingParams> = {},
  options: ChunkFileOptions = {},
): Promise<ChunkRef[]> {
  const chunking = resolveChunkingParams(params) // validated before anything is opened
  const blockSize = options.readBlockSize ?? DEFAULT_READ_BLOCK_SIZE
  const hashWorkers = options.hashWorkers ?? DEFAULT_HASH_WORKERS
  if (!Number.isSafeInteger(blockSize) || blockSize < 65536 || blockSize > 1024 * 1024 * 1024) {
    throw new InvalidInputError(`readBlockSize must be an integer from 64 KiB to 1 GiB, got ${blockSize}`)
  }
  if (!Number.isSafeInteger(hashWorkers) || hashWorkers < 1 || hashWorkers > 64) {
    throw new InvalidInputError(`hashWorkers must be an integer from 1 to 64, got ${hashWorkers}`)
  }
  const readSlots = options.readSlots ?? DEFAULT_READ_SLOTS
  if (!Number.isSafeInteger(readSlots) || readSlots < 4 || readSlots > 64) {
    throw new InvalidInputError(`readSlots must be an integer from 4 to 64, got ${readSlots}`)
  }
  options.signal?.throwIfAborted()

  let file: FileHandle
  try {
    file = await open(path, 'r')
  } catch (err) {
    throw inputFileError(path, err)
  }
  try {
    const stat = await file.stat()
    if (!stat.isFile()) throw new InvalidInputError(`input ${path} is not a regular file`)
    return await cutAndHash(file, path, chunking, { ...options, blockSize, hashWorkers, readSlots })
  } finally {
    await file.close()
  }
}

async function cutAndHash(
  file: FileHandle,
  path: string,
  chunking: ChunkingParams,
  options: ChunkFileOptions & { blockSize: number; hashWorkers: number; readSlots: number },
): Promise<ChunkRef[]> {
  const { blockSize, signal, onProgress } = options
  const { maxSize } = chunking
  // Each slot: maxSize bytes for the carried start of a chunk, then one block of the file.
  const slotSize = maxSize + blockSize
  const slotCount = options.readSlots
  const readAhead = slotCount - 2 // never into the slot being cut nor the one carried from
  const scanner = new WasmGearScanner(slotCount * slotSize)
  const memory = scanner.bytes
  const chunker = new Chunker(chunking, { scanner })
  const slotBase = (block: number): number => WASM_DATA_START + (block % slotCount) * slotSize
  const pool = new HashPool(memory.buffer as SharedArrayBuffer, options.hashWorkers)
  // Hash batches whose chunks lie in each slot: the slot is reused only once they are done.
  const slotHashes: Promise<void>[][] = Array.from({ length: slotCount }, () => [])
  const reads: Promise<number>[] = []
  const chunks: PendingChunk[] = []
  const ends: number[] = []

  const startRead = async (block: number): Promise<void> => {
    const slot = block % slotCount
    await Promise.all(slotHashes[slot])
    slotHashes[slot] = []
    const read = readBlock(file, path, memory, slotBase(block) + maxSize, blockSize, block * blockSize)
    read.catch(() => {}) // awaited in order below; this only keeps an early failure from going unhandled
    reads.push(read)
  }

  const hashChunks = (slot: number, first: number, addresses: number[]): void => {
    const count = chunks.length - first
    if (count === 0) return
    const ranges = new Float64Array(count * 2)
    for (let k = 0; k < count; k++) {
      ranges[2 * k] = addresses[k]
      ranges[2 * k + 1] = chunks[first + k].length
    }
    const done = pool.hash(ranges).then((digests) => {
      for (let k = 0; k < count; k++) chunks[first + k].cid = cidFromSha256(digests.subarray(32 * k, 32 * k + 32))
    })
    done.catch(() => {}) // awaited through slotHashes; see startRead
    slotHashes[slot].push(done)
  }

  try {
    let issued = 0
    let offset = 0 // file offset of the chunk being cut
    let carryFrom = 0 // address of its bytes read so far
    let carryLength = 0
    let total = 0
    for (let block = 0; ; block++) {
      while (issued <= block + readAhead) await startRead(issued++)
      const got = await reads[block]
      signal?.throwIfAborted()
      const slot = block % slotCount
      const dataStart = slotBase(block) + maxSize
      let start = dataStart - carryLength
      memory.copyWithin(start, carryFrom, carryFrom + carryLength)
      ends.length = 0
      chunker.feed(memory, dataStart, dataStart + got, ends)
      const first = chunks.length
      const addresses: number[] = []
      for (const end of ends) {
        chunks.push({ cid: undefined, offset, length: end - start })
        addresses.push(start)
        offset += end - start
        start = end
      }
      carryFrom = start
      carryLength = dataStart + got - start
      if (got < blockSize && carryLength > 0) {
        chunks.push({ cid: undefined, offset, length: carryLength }) // the last, shorter chunk
        addresses.push(start)
      }
      hashChunks(slot, first, addresses)
      total += got
      onProgress?.(total)
      if (got < blockSize) break
    }
    await Promise.all(slotHashes.flat())
    return chunks as ChunkRef[]
  } finally {
    await pool.close()
    await Promise.allSettled(reads) // no read may land in memory after we return
  }
}

/** Reads up to `length` bytes at `position` into memory[address..]; fewer only at end of file. */
async function readBlock(
  file: FileHandle,
  path: string,
  memory: Uint8Array,
  address: number,
  length: number,
  position: number,
): Promise<number> {
  let done = 0
  while (done < length) {
    let bytesRead: number
    try {
      ;({ bytesRead } = await file.read(memory, address + done, length - done, position + done))
    } catch (err) {
      throw inputFileError(path, err)
    }
    if (bytesRead === 0) break
    done += bytesRead
  }
  return done
}

function inputFileError(path: string, err: unknown): ImgswarmError {
  const code = (err as NodeJS.ErrnoException).code
  const options = { cause: err }
  switch (code) {
    case 'ENOENT':
      return new InvalidInputError(`input file ${path} does not exist`, options)
    case 'EISDIR':
      return new InvalidInputError(`input ${path} is a directory, not a file`, options)
    case 'EACCES':
    case 'EPERM':
      return new StorageError(`cannot read input file ${path}: permission denied`, options)
    default:
      return new StorageError(`cannot read input file ${path}: ${(err as Error).message}`, options)
  }
}
