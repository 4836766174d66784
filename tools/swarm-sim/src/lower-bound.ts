import { InvalidInputError } from '@imgswarm/core'

/** A swarm of identical agents and one seed; rates in bits per second. */
export interface SwarmLinks {
  sizeBytes: number
  agents: number
  seedUpBitsPerS: number
  agentUpBitsPerS: number
  agentDownBitsPerS: number
}

/** Which term of T* binds. */
export type LowerBoundTerm = 'seed-uplink' | 'slowest-downlink' | 'swarm-uplink'

export interface LowerBound {
  /** T* in seconds. */
  seconds: number
  bound: LowerBoundTerm
  /** Each term in seconds: F/U_seed, F/min D_i, N·F/(U_seed + Σ U_i). */
  terms: Record<LowerBoundTerm, number>
}

/**
 * T* = max(F/U_seed, F/min D_i, N·F/(U_seed + Σ U_i)) (DESIGN.md, "What fast means"): every byte
 * leaves the seed once, the slowest agent receives all of F, and the N·F bytes received must all
 * be sent by someone's uplink. The formula of `bench:swarm` (tools/swarm-bench/src/lower-bound.ts)
 * for identical agents; a tool may not import another tool, so it is restated here.
 */
export function lowerBound(links: SwarmLinks): LowerBound {
  const { sizeBytes, agents, seedUpBitsPerS, agentUpBitsPerS, agentDownBitsPerS } = links
  if (!Number.isInteger(agents) || agents < 1) throw new InvalidInputError(`T* needs at least one agent, got ${agents}`)
  if (!(sizeBytes > 0) || !(seedUpBitsPerS > 0) || !(agentUpBitsPerS > 0) || !(agentDownBitsPerS > 0)) {
    throw new InvalidInputError('T* needs a positive size and positive link rates')
  }
  const bits = sizeBytes * 8
  const terms: Record<LowerBoundTerm, number> = {
    'seed-uplink': bits / seedUpBitsPerS,
    'slowest-downlink': bits / agentDownBitsPerS,
    'swarm-uplink': (agents * bits) / (seedUpBitsPerS + agents * agentUpBitsPerS),
  }
  const bound = (Object.keys(terms) as LowerBoundTerm[]).reduce((a, b) => (terms[b] > terms[a] ? b : a))
  return { seconds: terms[bound], bound, terms }
}
