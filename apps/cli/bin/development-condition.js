// Module hooks for running the CLI from TypeScript sources: SWC's ESM loader, with the
// `development` export condition added so that workspace packages (`@imgswarm/*`) resolve
// to their `src/`. One module, because SWC's resolver fixes its conditions on first use.
// The tools' bins (tools/bench, tools/swarm-bench, tools/swarm-sim) register this same file.
import { load as swcLoad, resolve as swcResolve } from '@swc-node/register/esm'

export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('development')
    ? context.conditions
    : ['development', ...context.conditions]
  return swcResolve(specifier, { ...context, conditions }, nextResolve)
}

export const load = swcLoad
