import type { PeerHint, PeerHintKind } from '@imgswarm/coordinator-client'

export interface HintCandidate {
  nodeId: string
  peerId: string
  addrs: string[]
  labels: Readonly<Record<string, string>>
  /** Holds the whole image, not just part of it. */
  complete: boolean
}

export interface HintRankingInit {
  /** Labels of the asking node; none for an operator. */
  requesterLabels?: Readonly<Record<string, string>>
  siteLabel: string
  regionLabel: string
  limit: number
  /** Tie-break among equals, so that load spreads over peers; `Math.random` by default. */
  random?: () => number
}

const ORDER: Record<Exclude<PeerHintKind, 'seed'>, number> = { 'same-site': 0, 'same-region': 1, other: 2 }

/**
 * Orders peers for an agent: same site first, then same region, then the rest; within each,
 * those holding the whole image first, then at random. At most `limit` are returned.
 */
export function rankHints(candidates: readonly HintCandidate[], init: HintRankingInit): PeerHint[] {
  const random = init.random ?? Math.random
  const site = init.requesterLabels?.[init.siteLabel]
  const region = init.requesterLabels?.[init.regionLabel]
  const kindOf = (c: HintCandidate): Exclude<PeerHintKind, 'seed'> => {
    if (site !== undefined && c.labels[init.siteLabel] === site) return 'same-site'
    if (region !== undefined && c.labels[init.regionLabel] === region) return 'same-region'
    return 'other'
  }
  return candidates
    .map((c) => ({ c, kind: kindOf(c), tie: random() }))
    .sort((a, b) => ORDER[a.kind] - ORDER[b.kind] || Number(b.c.complete) - Number(a.c.complete) || a.tie - b.tie)
    .slice(0, init.limit)
    .map(({ c, kind }) => ({
      peerId: c.peerId,
      addrs: c.addrs,
      kind,
      nodeId: c.nodeId,
      ...(c.labels[init.siteLabel] === undefined ? {} : { site: c.labels[init.siteLabel] }),
      ...(c.labels[init.regionLabel] === undefined ? {} : { region: c.labels[init.regionLabel] }),
      complete: c.complete,
    }))
}
