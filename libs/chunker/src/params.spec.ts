import { describe, expect, it } from '@jest/globals'
import { InvalidInputError, MAX_CHUNK_SIZE } from '@imgswarm/core'
import { DEFAULT_CHUNKING } from './constants.js'
import { InvalidChunkingParamsError } from './errors.js'
import { cutRule, resolveChunkingParams, validateChunkingParams } from './params.js'

describe('chunking parameters', () => {
  it('accepts the defaults: 64 KiB < 256 KiB < 1 MiB, fastcdc-gear-v1', () => {
    expect(validateChunkingParams(DEFAULT_CHUNKING)).toEqual({
      algorithm: 'fastcdc-gear-v1',
      minSize: 65536,
      avgSize: 262144,
      maxSize: 1048576,
    })
    expect(resolveChunkingParams({ avgSize: 131072 })).toEqual({ ...DEFAULT_CHUNKING, avgSize: 131072 })
  })

  it('derives masks of log2(avg) + 2 and log2(avg) - 2 top bits', () => {
    const rule = cutRule(DEFAULT_CHUNKING)
    expect(rule.maskSmall >>> 0).toBe(0xfffff000) // 20 bits
    expect(rule.maskLarge >>> 0).toBe(0xffff0000) // 16 bits
  })

  it.each([
    [null, /must be an object/],
    [{ ...DEFAULT_CHUNKING, algorithm: 'rabin' }, /unknown chunking algorithm "rabin"/],
    [{ ...DEFAULT_CHUNKING, minSize: 1.5 }, /minSize must be a positive integer/],
    [{ ...DEFAULT_CHUNKING, maxSize: '1MiB' }, /maxSize must be a positive integer/],
    [{ ...DEFAULT_CHUNKING, minSize: 32 }, /minSize 32 is below the limit of 64/],
    [{ ...DEFAULT_CHUNKING, minSize: 262144 }, /minSize < avgSize < maxSize/],
    [{ ...DEFAULT_CHUNKING, maxSize: 262144 }, /minSize < avgSize < maxSize/],
    [{ ...DEFAULT_CHUNKING, avgSize: 200_000 }, /avgSize must be a power of two, got 200000/],
    [{ ...DEFAULT_CHUNKING, maxSize: MAX_CHUNK_SIZE + 1 }, /exceeds MAX_CHUNK_SIZE/],
  ])('refuses %j', (params, message) => {
    expect(() => validateChunkingParams(params)).toThrow(message)
    expect(() => validateChunkingParams(params)).toThrow(InvalidChunkingParamsError)
    expect(() => validateChunkingParams(params)).toThrow(InvalidInputError)
  })
})
