import { describe, expect, it } from '@jest/globals'
import { orderForWaves, splitIntoWaves } from './wave-assignment.js'

function fleet(sites: Record<string, number>): Array<{ id: string; labels: Record<string, string> }> {
  return Object.entries(sites).flatMap(([site, n]) =>
    Array.from({ length: n }, (_, i) => ({ id: `${site}-node-${i}`, labels: { site } })),
  )
}

describe('orderForWaves', () => {
  it('is deterministic and independent of input order', () => {
    const nodes = fleet({ a: 5, b: 7 })
    const one = orderForWaves(nodes, { seed: 'r1' })
    expect(orderForWaves([...nodes].reverse(), { seed: 'r1' })).toEqual(one)
    expect(new Set(one).size).toBe(12)
    expect(orderForWaves(nodes, { seed: 'r2' })).not.toEqual(one)
  })

  it('gives every prefix about its share of each site', () => {
    const nodes = fleet({ a: 30, b: 10, c: 20 })
    const ordered = orderForWaves(nodes, { seed: 'x' })
    const siteOf = (id: string) => id.split('-')[0]
    for (const prefix of [6, 12, 30]) {
      const counts: Record<string, number> = { a: 0, b: 0, c: 0 }
      for (const id of ordered.slice(0, prefix)) counts[siteOf(id)]++
      for (const [site, size] of Object.entries({ a: 30, b: 10, c: 20 })) {
        expect(Math.abs(counts[site] - (prefix * size) / 60)).toBeLessThanOrEqual(1)
      }
    }
  })

  it('spreads the first wave of 6 nodes in 2 sites over both sites', () => {
    for (const seed of ['r1', 'r2', 'r3', 'r4']) {
      const first = orderForWaves(fleet({ a: 3, b: 3 }), { seed }).slice(0, 2)
      expect(new Set(first.map((id) => id[0])).size).toBe(2)
    }
  })

  it('uses the given spread label and groups unlabelled nodes together', () => {
    const nodes: Array<{ id: string; labels: Record<string, string> }> = [
      { id: 'n1', labels: { rack: 'r1' } },
      { id: 'n2', labels: { rack: 'r1' } },
      { id: 'n3', labels: {} },
      { id: 'n4', labels: {} },
    ]
    const first = orderForWaves(nodes, { seed: 's', spreadLabel: 'rack' }).slice(0, 2)
    expect(first.filter((id) => id === 'n1' || id === 'n2')).toHaveLength(1)
  })
})

describe('splitIntoWaves', () => {
  it('cuts at cumulative sizes', () => {
    expect(splitIntoWaves(['a', 'b', 'c', 'd', 'e'], [1, 3, 5])).toEqual([['a'], ['b', 'c'], ['d', 'e']])
  })
})
