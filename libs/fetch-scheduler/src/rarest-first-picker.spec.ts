import { describe, expect, it } from '@jest/globals'
import { createRandom } from './random.js'
import { RarestFirstPicker } from './rarest-first-picker.js'

describe('RarestFirstPicker', () => {
  it('keeps the pickable set ordered by availability through any mix of operations', () => {
    const random = createRandom(7)
    const n = 200
    const picker = new RarestFirstPicker(n, random)
    const avail = new Array<number>(n).fill(0)
    const pickable = new Set<number>()
    for (let step = 0; step < 20_000; step++) {
      const i = Math.floor(random() * n)
      const op = Math.floor(random() * 4)
      if (op === 0) {
        picker.add(i)
        pickable.add(i)
      } else if (op === 1) {
        picker.remove(i)
        pickable.delete(i)
      } else if (op === 2) {
        picker.increment(i)
        avail[i]++
      } else if (avail[i] > 0) {
        picker.decrement(i)
        avail[i]--
      }
    }
    const order = [...picker.pickable()]
    expect(new Set(order)).toEqual(pickable)
    expect(order.length).toBe(picker.size)
    for (let k = 1; k < order.length; k++) expect(avail[order[k - 1]]).toBeLessThanOrEqual(avail[order[k]])
    for (let i = 0; i < n; i++) {
      expect(picker.availability(i)).toBe(avail[i])
      expect(picker.has(i)).toBe(pickable.has(i))
    }
    const below2 = order.filter((i) => avail[i] < 2).length
    expect(picker.countBelow(2)).toBe(below2)
  })

  it('picks the rarest chunk first under availability skew', () => {
    const picker = new RarestFirstPicker(10, createRandom(1))
    // chunk i is held by 10 - i peers: chunk 9 is the rarest, chunk 0 the most common
    for (let i = 0; i < 10; i++) {
      for (let k = 0; k < 10 - i; k++) picker.increment(i)
      picker.add(i)
    }
    expect(picker.pick(1, () => true)).toEqual([9])
    expect(picker.pick(3, () => true)).toEqual([9, 8, 7])
    // only chunks the peer holds count: a peer holding 2, 5 and 6 is asked for 6 first
    const peerHas = new Set([2, 5, 6])
    expect(picker.pick(2, (i) => peerHas.has(i))).toEqual([6, 5])
  })

  it('breaks ties at random, so peers with the same view ask for different chunks', () => {
    const firstPicks = new Set<number>()
    for (let seed = 1; seed <= 20; seed++) {
      const picker = new RarestFirstPicker(50, createRandom(seed))
      for (let i = 0; i < 50; i++) {
        picker.increment(i)
        picker.add(i)
      }
      picker.increment(3) // one chunk more common than the rest: never first
      firstPicks.add(picker.pick(1, () => true)[0])
    }
    expect(firstPicks.has(3)).toBe(false)
    expect(firstPicks.size).toBeGreaterThan(10)
  })

  it('respects availability bounds and random mode', () => {
    const picker = new RarestFirstPicker(6, createRandom(3))
    const avail = [0, 0, 1, 1, 2, 3]
    avail.forEach((a, i) => {
      for (let k = 0; k < a; k++) picker.increment(i)
      picker.add(i)
    })
    expect(new Set(picker.pick(10, () => true, { maxAvailability: 0 }))).toEqual(new Set([0, 1]))
    expect(new Set(picker.pick(10, () => true, { minAvailability: 2 }))).toEqual(new Set([4, 5]))
    // random mode ignores rarity: over many draws the most common chunk is drawn too
    const drawn = new Set<number>()
    for (let k = 0; k < 200; k++) drawn.add(picker.pick(1, () => true, { random: true })[0])
    expect(drawn).toEqual(new Set([0, 1, 2, 3, 4, 5]))
  })
})
