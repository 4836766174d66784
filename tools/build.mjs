#!/usr/bin/env node
// Compiles every app and library from src/ to dist/ with SWC (decorator metadata included, as
// NestJS needs), keeping the layout, so each package's `default` export (`./dist/index.js`)
// resolves and the CLI runs as plain JavaScript: `node apps/cli/dist/main.js`. No loader, no
// TypeScript at run time: this is how production images run (see deploy/docker).
import { transformFile } from '@swc/core'
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: true,
}

async function* sources(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== 'test' && entry.name !== 'e2e' && entry.name !== 'test-fixtures') yield* sources(path)
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) {
      yield path
    }
  }
}

let files = 0
for (const group of ['libs', 'apps']) {
  for (const project of await readdir(join(root, group))) {
    const src = join(root, group, project, 'src')
    const dist = join(root, group, project, 'dist')
    await rm(dist, { recursive: true, force: true })
    try {
      for await (const file of sources(src)) {
        const out = join(dist, relative(src, file)).replace(/\.ts$/, '.js')
        const { code, map } = await transformFile(file, { ...options, filename: file, sourceFileName: relative(dirname(out), file) })
        await mkdir(dirname(out), { recursive: true })
        await writeFile(out, `${code}\n//# sourceMappingURL=${out.split('/').pop()}.map\n`)
        if (map !== undefined) await writeFile(`${out}.map`, map)
        files++
      }
    } catch (err) {
      if (err.code !== 'ENOENT') throw err
    }
  }
}
console.log(`compiled ${files} files to dist/`)
