import { createCipheriv, createHash } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import { GEAR, JsGearScanner, gearRoll } from './gear.js'
import { WASM_DATA_START, WasmGearScanner } from './gear-wasm.js'

/** Deterministic pseudo-random bytes (AES-128-CTR keystream). */
function pseudoRandom(size: number, seed: number): Uint8Array {
  const key = Buffer.alloc(16)
  key.writeUInt32BE(seed)
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size))
}

describe('gear table', () => {
  it('is the fixed mulberry32 table every machine and version cuts with', () => {
    const littleEndian = Buffer.alloc(1024)
    GEAR.forEach((value, i) => littleEndian.writeInt32LE(value, i * 4))
    expect((GEAR[0] >>> 0).toString(16)).toBe('7b31f60a')
    expect((GEAR[255] >>> 0).toString(16)).toBe('8c8fbebe')
    expect(createHash('sha256').update(littleEndian).digest('hex')).toBe(
      'bcf30537434a0ff6d47e994609278173e47aa1471a562a6703fa1e57d19da72c',
    )
    expect(new Set(GEAR).size).toBe(256)
  })

  it('hashes only the last 32 bytes: any starting hash is forgotten after 32 bytes', () => {
    const bytes = pseudoRandom(40, 7)
    expect(gearRoll(bytes, 0, 40, 0)).toBe(gearRoll(bytes, 0, 40, 0x12345678))
    expect(gearRoll(bytes, 8, 40, 0)).toBe(gearRoll(bytes, 0, 40, -1))
    expect(gearRoll(bytes, 9, 40, 0)).not.toBe(gearRoll(bytes, 0, 40, -1))
  })
})

describe('wasm gear scanner', () => {
  it('finds exactly the positions and hashes the JavaScript reference finds', () => {
    const size = 1 << 20
    const data = pseudoRandom(size, 3)
    const wasm = new WasmGearScanner(size)
    wasm.bytes.set(data, WASM_DATA_START)
    const js = new JsGearScanner()
    let compared = 0
    let hits = 0
    for (const bits of [1, 3, 8, 12, 16]) {
      const mask = (-1 << (32 - bits)) | 0
      // ranges of every length 0..40 (the unrolled loop's tail) and long ones, odd starts
      for (let from = 0, len = 0; from + len < size; from += len + 13, len = len < 40 ? len + 1 : len * 3) {
        const hash = (from * 2654435761) | 0
        const j = js.scan(data, from, from + len, hash, mask)
        const w = wasm.scan(wasm.bytes, WASM_DATA_START + from, WASM_DATA_START + from + len, hash, mask)
        expect(w < 0 ? w : w - WASM_DATA_START).toBe(j)
        if (j < 0) expect(wasm.hash).toBe(js.hash)
        else hits++
        compared++
      }
    }
    expect(compared).toBeGreaterThan(200)
    expect(hits).toBeGreaterThan(50)
  })

  it('refuses to scan bytes outside its own memory', () => {
    const wasm = new WasmGearScanner(1024)
    expect(() => wasm.scan(new Uint8Array(10), 0, 10, 0, -1)).toThrow(TypeError)
  })
})
