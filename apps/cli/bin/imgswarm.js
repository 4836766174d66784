#!/usr/bin/env node
// Runs the CLI straight from its TypeScript sources, so `npx imgswarm` works right after
// `npm ci` with no build step. SWC (not esbuild) is used because the coordinator's NestJS
// code needs decorator metadata. Workspace libraries resolve to their `src/` through the
// `development` export condition added by the resolve hook below.
import { register } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
process.env.SWC_NODE_PROJECT ??= join(here, '..', '..', '..', 'tsconfig.base.json')
register(pathToFileURL(join(here, 'development-condition.js')).href, import.meta.url)
await import(pathToFileURL(join(here, '..', 'src', 'main.ts')).href)
