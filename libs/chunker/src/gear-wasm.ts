import { GEAR } from './gear.js'
import type { GearScanner } from './gear.js'

/*
 * The gear scan as a WebAssembly function, about twice as fast as the same loop in JavaScript
 * (V8 keeps bounds checks and int32 tagging in the JS loop). The module is tiny, so it is
 * assembled here from commented instructions rather than shipped as an opaque blob. It imports a
 * shared memory holding the gear table at address 0 and the data after it, so hash workers can
 * read the same bytes without a copy.
 *
 *   scan(from, to, hash, mask) -> i32   same contract as GearScanner.scan, on memory addresses
 *   global "hash"                       the hash after the last byte when scan returns -1
 */

/** Address of the gear table (256 little-endian int32) in the scanner's memory. */
const GEAR_ADDRESS = 0
/** First address available for data: the page after the gear table. */
export const WASM_DATA_START = 65536
const PAGE = 65536
/** Bytes handled per iteration of the unrolled loop. */
const UNROLL = 8

// Opcodes and types used below (WebAssembly core spec, binary format).
const I32 = 0x7f
const VOID = 0x40
const BLOCK = 0x02
const LOOP = 0x03
const IF = 0x04
const END = 0x0b
const BR = 0x0c
const BR_IF = 0x0d
const RETURN = 0x0f
const LOCAL_GET = 0x20
const LOCAL_SET = 0x21
const LOCAL_TEE = 0x22
const GLOBAL_SET = 0x24
const I32_LOAD = 0x28
const I32_LOAD8_U = 0x2d
const I32_CONST = 0x41
const I32_EQZ = 0x45
const I32_LT_U = 0x49
const I32_GE_U = 0x4f
const I32_ADD = 0x6a
const I32_SUB = 0x6b
const I32_AND = 0x71
const I32_SHL = 0x74

// Parameters of scan, by local index.
const FROM = 0
const TO = 1
const HASH = 2
const MASK = 3

/** Unsigned LEB128 (signed LEB128 agrees for the small non-negative constants used here). */
function leb(n: number): number[] {
  const out: number[] = []
  do {
    let byte = n & 0x7f
    n >>>= 7
    if (n !== 0) byte |= 0x80
    out.push(byte)
  } while (n !== 0)
  return out
}

function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body]
}

function name(text: string): number[] {
  return [...leb(text.length), ...Buffer.from(text, 'ascii')]
}

/**
 * One byte of the scan, at address FROM + k: hash = (hash << 1) + gear[mem[FROM + k]]; if
 * (hash & mask) == 0 then FROM += k + 1 and branch out to "found", `foundDepth` blocks up.
 */
function step(k: number, foundDepth: number): number[] {
  return [
    LOCAL_GET, HASH, I32_CONST, 1, I32_SHL,
    LOCAL_GET, FROM, I32_LOAD8_U, 0, ...leb(k), I32_CONST, 2, I32_SHL, I32_LOAD, 2, ...leb(GEAR_ADDRESS),
    I32_ADD, LOCAL_TEE, HASH,
    LOCAL_GET, MASK, I32_AND, I32_EQZ,
    IF, VOID,
    LOCAL_GET, FROM, I32_CONST, ...leb(k + 1), I32_ADD, LOCAL_SET, FROM,
    BR, foundDepth + 1, // +1: the `if` is a block of its own
    END,
  ]
}

function scanBody(): number[] {
  const wide: number[] = []
  for (let k = 0; k < UNROLL; k++) wide.push(...step(k, 3)) // depths: loop 0, tail 1, exit 2, found 3
  return [
    0, // no locals beyond the parameters
    BLOCK, VOID, // found
    BLOCK, VOID, // exit
    BLOCK, VOID, // tail
    LOOP, VOID, // wide: UNROLL bytes per iteration while that many remain
    LOCAL_GET, TO, LOCAL_GET, FROM, I32_SUB, I32_CONST, ...leb(UNROLL), I32_LT_U, BR_IF, 1,
    ...wide,
    LOCAL_GET, FROM, I32_CONST, ...leb(UNROLL), I32_ADD, LOCAL_SET, FROM, BR, 0,
    END,
    END, // tail
    LOOP, VOID, // narrow: the last bytes one at a time
    LOCAL_GET, FROM, LOCAL_GET, TO, I32_GE_U, BR_IF, 1,
    ...step(0, 2), // depths: loop 0, exit 1, found 2
    LOCAL_GET, FROM, I32_CONST, 1, I32_ADD, LOCAL_SET, FROM, BR, 0,
    END,
    END, // exit: no cut in the range
    LOCAL_GET, HASH, GLOBAL_SET, 0, I32_CONST, 0x7f /* -1 */, RETURN,
    END, // found
    LOCAL_GET, FROM,
    END,
  ]
}

function gearScanModule(): Uint8Array {
  const body = scanBody()
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, [1, 0x60, 4, I32, I32, I32, I32, 1, I32]), // type 0: (i32 i32 i32 i32) -> i32
    // import env.memory: shared, 1 to 65536 pages
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x03, ...leb(1), ...leb(65536)]),
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(6, [1, I32, 1, I32_CONST, 0, END]), // global 0: mutable i32 = 0
    ...section(7, [2, ...name('scan'), 0x00, 0, ...name('hash'), 0x03, 0]), // exports
    ...section(10, [1, ...leb(body.length), ...body]), // code
  ])
}

// TypeScript's ES libs do not declare WebAssembly (only lib.dom does): describe what is used.
interface WasmMemory {
  readonly buffer: SharedArrayBuffer
}
interface WasmGlobal {
  readonly value: number
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> }
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

let compiled: object | undefined

/**
 * A gear scanner running in WebAssembly over its own shared memory: `bytes` (the whole memory)
 * from WASM_DATA_START on is where callers put data, and scan takes addresses in it.
 */
export class WasmGearScanner implements GearScanner {
  /** The whole memory; share `bytes.buffer` with worker threads to read the data in place. */
  readonly bytes: Uint8Array
  private readonly scanFn: (from: number, to: number, hash: number, mask: number) => number
  private readonly hashGlobal: WasmGlobal

  /** Allocates a memory with room for `dataBytes` bytes of data at WASM_DATA_START. */
  constructor(dataBytes: number) {
    compiled ??= new wasm.Module(gearScanModule())
    const pages = Math.ceil((WASM_DATA_START + dataBytes) / PAGE)
    const memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true })
    const instance = new wasm.Instance(compiled, { env: { memory } })
    this.scanFn = instance.exports.scan as WasmGearScanner['scanFn']
    this.hashGlobal = instance.exports.hash as WasmGlobal
    this.bytes = new Uint8Array(memory.buffer)
    const table = new DataView(memory.buffer, GEAR_ADDRESS, 1024)
    for (let i = 0; i < 256; i++) table.setInt32(i * 4, GEAR[i], true) // wasm memory is little-endian
  }

  /** Scans this scanner's own memory: `bytes` must be `this.bytes`, indices are addresses. */
  scan(bytes: Uint8Array, from: number, to: number, hash: number, mask: number): number {
    if (bytes !== this.bytes) throw new TypeError('WasmGearScanner scans its own memory only')
    return this.scanFn(from, to, hash, mask)
  }

  get hash(): number {
    return this.hashGlobal.value
  }
}
