import { describe, expect, it } from '@jest/globals'
import { setNewest, shuffle } from './collections.js'

describe('peer bookkeeping helpers', () => {
  it('setNewest keeps the newest entries in age order, forgets the oldest past the bound, and renews a re-set key', () => {
    const m = new Map<string, number>()
    for (const [k, v] of [['a', 1], ['b', 2], ['c', 3]] as const) setNewest(m, k, v, 3)
    setNewest(m, 'a', 10, 3) // renewed: now the newest
    setNewest(m, 'd', 4, 3) // over the bound: 'b' is the oldest
    expect([...m]).toEqual([['c', 3], ['a', 10], ['d', 4]])
    setNewest(m, 'c', undefined as unknown as number, 3)
    expect([...m.keys()]).toEqual(['a', 'd', 'c'])
  })

  it('shuffle permutes in place and keeps every item', () => {
    const items = Array.from({ length: 50 }, (_, i) => i)
    const same = shuffle(items)
    expect(same).toBe(items)
    expect([...items].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })
})
