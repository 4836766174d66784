#!/usr/bin/env node
// Runs the swarm simulator straight from its TypeScript sources (no build step), the same way
// the imgswarm CLI runs: SWC's ESM loader plus the `development` export condition.
import { register } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
process.env.SWC_NODE_PROJECT ??= join(here, '..', '..', '..', 'tsconfig.base.json')
// The CLI's loader hook (apps/cli/bin), the one copy every bin of the repository registers.
register(pathToFileURL(join(here, '..', '..', '..', 'apps', 'cli', 'bin', 'development-condition.js')).href, import.meta.url)
await import(pathToFileURL(join(here, '..', 'src', 'main.ts')).href)
