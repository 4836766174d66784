import { InvalidInputError } from '@imgswarm/core'

/** One node's link capacities in bits per second. */
export interface LinkCaps {
  upBitsPerS: number
  downBitsPerS: number
}

/** The configuration T* is computed for. */
export interface LowerBoundInput {
  sizeBytes: number
  seedUpBitsPerS: number
  agents: readonly LinkCaps[]
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
  const rates = [seedUpBitsPerS, ...agents.flatMap((a) => [a.upBitsPerS, a.downBitsPerS])]
  if (!(sizeBytes > 0) || rates.some((r) => !(r > 0))) {
    throw new InvalidInputError('T* needs a positive size and positive link rates')
  }
  const bits = sizeBytes * 8
  const minDown = Math.min(...agents.map((a) => a.downBitsPerS))
  const upTotal = seedUpBitsPerS + agents.reduce((sum, a) => sum + a.upBitsPerS, 0)
  const terms: Record<LowerBoundTerm, number> = {
    'seed-uplink': bits / seedUpBitsPerS,
    'slowest-downlink': bits / minDown,
    'swarm-uplink': (agents.length * bits) / upTotal,
  }
  const bound = (Object.keys(terms) as LowerBoundTerm[]).reduce((a, b) => (terms[b] > terms[a] ? b : a))
  return { seconds: terms[bound], bound, terms }
}
