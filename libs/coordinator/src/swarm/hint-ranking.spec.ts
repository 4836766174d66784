import { describe, expect, it } from '@jest/globals'
import { rankHints, type HintCandidate } from './hint-ranking.js'

function peer(nodeId: string, labels: Record<string, string>, complete = false): HintCandidate {
  return { nodeId, peerId: `peer-${nodeId}`, addrs: [`/ip4/127.0.0.1/tcp/${nodeId.length}`], labels, complete }
}

const candidates = [
  peer('far-1', { site: 'x', region: 'us' }, true),
  peer('region-1', { site: 'b', region: 'eu' }),
  peer('site-1', { site: 'a', region: 'eu' }),
  peer('site-2', { site: 'a', region: 'eu' }, true),
  peer('bare', {}),
]

describe('rankHints', () => {
  it('puts the same site first, then the same region, then others; complete peers first within each', () => {
    let n = 0
    const ranked = rankHints(candidates, {
      requesterLabels: { site: 'a', region: 'eu' },
      siteLabel: 'site',
      regionLabel: 'region',
      limit: 10,
      random: () => (n++ * 0.37) % 1,
    })
    expect(ranked.map((h) => h.nodeId)).toEqual(['site-2', 'site-1', 'region-1', 'far-1', 'bare'])
    expect(ranked.map((h) => h.kind)).toEqual(['same-site', 'same-site', 'same-region', 'other', 'other'])
    expect(ranked[0]).toMatchObject({ peerId: 'peer-site-2', site: 'a', region: 'eu', complete: true })
    expect(ranked[4].site).toBeUndefined()
  })

  it('bounds the count and treats a caller without labels as far from everyone', () => {
    const ranked = rankHints(candidates, { siteLabel: 'site', regionLabel: 'region', limit: 2 })
    expect(ranked).toHaveLength(2)
    expect(ranked.every((h) => h.kind === 'other' && h.complete)).toBe(true)
  })
})
