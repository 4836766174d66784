/** A source of uniform numbers in [0, 1), like `Math.random`; seeded in tests and simulations. */
export type RandomSource = () => number

/**
 * mulberry32: a tiny, fast 32-bit generator, good enough for tie-breaks and simulated topologies
 * (not for anything secret). The same seed gives the same run, so swarm tests are deterministic.
 */
export function createRandom(seed: number): RandomSource {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** An integer in [0, n). */
export function randomInt(random: RandomSource, n: number): number {
  return Math.floor(random() * n)
}
