import { readFileSync } from 'node:fs'

/** How production runs the compiled CLI: Node flags and environment (apps/cli/node-runtime.json). */
export interface NodeRuntime {
  nodeFlags: string[]
  env: Record<string, string>
}

/** Read from apps/cli/node-runtime.json (one directory above both src/ and dist/). */
export const NODE_RUNTIME: NodeRuntime = JSON.parse(
  readFileSync(new URL('../node-runtime.json', import.meta.url), 'utf8'),
) as NodeRuntime
