/**
 * @packageDocumentation
 * Sizes and link rates as people write them on a command line, read and printed the same way by
 * every tool and the CLI: byte sizes (`256MiB`, `500MB`; `parseSize`, `formatBytes`), tc-style
 * link rates in bits per second (`50mbit`; `parseBitRate`, `formatBitRate`) and bandwidth caps in
 * bytes per second (`20MiB` or `200mbit`; `parseByteRate`). Bad spellings throw
 * `InvalidInputError` naming the option. Also the lower bound every swarm measurement is compared
 * with, T* = max(F/U_seed, F/min D_i, N·F/(U_seed + Σ U_i)) (`lowerBound`, `uniformLowerBound`).
 */
export { parseSize, formatBytes } from './sizes.js'
export { parseBitRate, formatBitRate, parseByteRate } from './rates.js'
export {
  lowerBound,
  uniformLowerBound,
  type LinkCaps,
  type LowerBound,
  type LowerBoundInput,
  type LowerBoundTerm,
  type UniformSwarmLinks,
} from './lower-bound.js'
