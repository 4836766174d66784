import { InvalidInputError } from '@imgswarm/core'

/** One node's link capacities in bits per second. */
export interface LinkCaps {
  upBitsPerS: number
  downBitsPerS: number
}

/** A swarm of one seed and agents with their own links; rates in bits per second. */
export interface LowerBoundInput {
  sizeBytes: number
  seedUpBitsPerS: number
  agents: readonly LinkCaps[]
}

/** A swarm of one seed and `agents` identical agents; rates in bits per second. */
export interface UniformSwarmLinks {
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
  /** The largest of the three terms. */
  bound: LowerBoundTerm
  /** Each term in seconds: F/U_seed, F/min D_i, N·F/(U_seed + Σ U_i). */
  terms: Record<LowerBoundTerm, number>
}

/**
 * T* = max(F/U_seed, F/min D_i, N·F/(U_seed + Σ U_i)): every byte leaves the seed at least once, the
 * slowest agent must receive all of F, and the N·F bytes the agents receive must all be sent by
 * someone's uplink. No system finishes sooner on these links (see DESIGN.md, "What fast means").
 * Link rates are raw capacities, so protocol headers put even a perfect system a few percent above.
 */
export function lowerBound(input: LowerBoundInput): LowerBound {
  const { sizeBytes, seedUpBitsPerS, agents } = input
  if (agents.length === 0) throw new InvalidInputError('T* needs at least one agent')
  checkPositive(sizeBytes, [seedUpBitsPerS, ...agents.flatMap((a) => [a.upBitsPerS, a.downBitsPerS])])
  return tStar(sizeBytes * 8, agents.length, seedUpBitsPerS, Math.min(...agents.map((a) => a.downBitsPerS)), seedUpBitsPerS + agents.reduce((sum, a) => sum + a.upBitsPerS, 0))
}

/** `lowerBound` for `agents` identical agents, without a list of 10,000 equal links. */
export function uniformLowerBound(links: UniformSwarmLinks): LowerBound {
  const { sizeBytes, agents, seedUpBitsPerS, agentUpBitsPerS, agentDownBitsPerS } = links
  if (!Number.isSafeInteger(agents) || agents < 1) throw new InvalidInputError(`T* needs at least one agent, got ${agents}`)
  checkPositive(sizeBytes, [seedUpBitsPerS, agentUpBitsPerS, agentDownBitsPerS])
  return tStar(sizeBytes * 8, agents, seedUpBitsPerS, agentDownBitsPerS, seedUpBitsPerS + agents * agentUpBitsPerS)
}

function checkPositive(sizeBytes: number, rates: number[]): void {
  if (!(sizeBytes > 0) || rates.some((r) => !(r > 0))) {
    throw new InvalidInputError('T* needs a positive size and positive link rates')
  }
}

function tStar(bits: number, agents: number, seedUpBitsPerS: number, minDownBitsPerS: number, upTotalBitsPerS: number): LowerBound {
  const terms: Record<LowerBoundTerm, number> = {
    'seed-uplink': bits / seedUpBitsPerS,
    'slowest-downlink': bits / minDownBitsPerS,
    'swarm-uplink': (agents * bits) / upTotalBitsPerS,
  }
  const bound = (Object.keys(terms) as LowerBoundTerm[]).reduce((a, b) => (terms[b] > terms[a] ? b : a))
  return { seconds: terms[bound], bound, terms }
}
