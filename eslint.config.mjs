import nx from '@nx/eslint-plugin'
import tseslint from 'typescript-eslint'

// Dependencies point one way: apps -> {agent, coordinator service} -> swarm node -> fetch scheduler
// -> {wire, chunk store, manifest, chunker} -> core; the coordinator client sits beside the domain libs. Tags live in each project's package.json "nx" field.
const core = ['type:core']
const domain = [...core, 'type:domain']
const data = [...domain, 'type:storage', 'type:protocol']
const node = [...data, 'type:scheduler', 'type:node']

/** What each tag may import. Tests of the agent may also run the real coordinator service. */
function depConstraints({ tests }) {
  return [
    { sourceTag: 'type:core', onlyDependOnLibsWithTags: core },
    { sourceTag: 'type:domain', onlyDependOnLibsWithTags: domain },
    { sourceTag: 'type:storage', onlyDependOnLibsWithTags: domain },
    { sourceTag: 'type:protocol', onlyDependOnLibsWithTags: core },
    { sourceTag: 'type:scheduler', onlyDependOnLibsWithTags: data },
    { sourceTag: 'type:node', onlyDependOnLibsWithTags: node },
    { sourceTag: 'type:client', onlyDependOnLibsWithTags: domain },
    { sourceTag: 'type:service', onlyDependOnLibsWithTags: [...domain, 'type:storage', 'type:client'] },
    { sourceTag: 'type:agent', onlyDependOnLibsWithTags: [...node, 'type:client', ...(tests ? ['type:service'] : [])] },
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: [...node, 'type:client', 'type:service', 'type:agent'] },
    { sourceTag: 'type:tool', onlyDependOnLibsWithTags: [...node, 'type:client', 'type:service', 'type:agent', 'type:app'] },
  ]
}

const boundaries = (tests) => [
  'error',
  { enforceBuildableLibDependency: false, allow: [], depConstraints: depConstraints({ tests }) },
]

const TEST_FILES = ['**/*.spec.ts', '**/src/test/**/*.ts', '**/e2e/**/*.ts']

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', '**/coverage/**', 'tools/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': boundaries(false),
    },
  },
  { files: TEST_FILES, rules: { '@nx/enforce-module-boundaries': boundaries(true) } },
]
