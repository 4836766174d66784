import { describe, expect, it } from '@jest/globals'
import { chunkArray, chunkPieces, type ChunkPieces } from './chunk-bytes.js'

/** Pieces as a transport delivers them (Uint8ArrayList has this shape). */
function pieces(...arrays: number[][]): ChunkPieces {
  const parts = arrays.map((a) => Uint8Array.from(a))
  return { byteLength: parts.reduce((n, p) => n + p.byteLength, 0), [Symbol.iterator]: () => parts[Symbol.iterator]() }
}

describe('chunk bytes', () => {
  it('gives an array as its only piece, and a list as its pieces in order', () => {
    const one = Uint8Array.from([1, 2, 3])
    expect([...chunkPieces(one)]).toEqual([one])
    const list = pieces([1], [2, 3], [4])
    const got = [...chunkPieces(list)]
    expect(got.map((p) => [...p])).toEqual([[1], [2, 3], [4]])
  })

  it('joins pieces into one array only when there is more than one', () => {
    const one = Uint8Array.from([9, 8])
    expect(chunkArray(one)).toBe(one)
    const single: ChunkPieces = { byteLength: 2, [Symbol.iterator]: () => [one][Symbol.iterator]() }
    expect(chunkArray(single)).toBe(one)
    const joined = chunkArray(pieces([1, 2], [3]))
    expect([...joined]).toEqual([1, 2, 3])
    expect(chunkArray(pieces())).toEqual(new Uint8Array(0))
  })
})
