#!/usr/bin/env node
// Runs one benchmark script from its TypeScript source, the way bin/imgswarm.js runs the CLI:
//   node tools/bench/bin/run.js tools/bench/src/publish-bench.ts [args…]
// The script sees its own arguments in process.argv.slice(2).
import { register } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const [script, ...args] = process.argv.slice(2)
if (script === undefined) {
  console.error('usage: node tools/bench/bin/run.js <script.ts> [args…]')
  process.exit(2)
}
const here = dirname(fileURLToPath(import.meta.url))
process.env.SWC_NODE_PROJECT ??= join(here, '..', '..', '..', 'tsconfig.base.json')
// The CLI's loader hook (apps/cli/bin), the one copy every bin of the repository registers.
register(pathToFileURL(join(here, '..', '..', '..', 'apps', 'cli', 'bin', 'development-condition.js')).href, import.meta.url)
process.argv = [process.argv[0], resolve(script), ...args]
await import(pathToFileURL(resolve(script)).href)
