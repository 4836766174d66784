import nx from '@nx/eslint-plugin'
import tseslint from 'typescript-eslint'

// Dependencies point one way: apps -> {agent, coordinator service} -> swarm node -> fetch scheduler
// -> {wire, chunk store, manifest, chunker} -> core; the coordinator client sits beside the domain libs. Tags live in each project's package.json "nx" field.
export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', '**/coverage/**', 'tools/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:core'] },
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:core', 'type:domain'] },
            { sourceTag: 'type:storage', onlyDependOnLibsWithTags: ['type:core', 'type:domain'] },
            { sourceTag: 'type:protocol', onlyDependOnLibsWithTags: ['type:core'] },
            {
              sourceTag: 'type:scheduler',
              onlyDependOnLibsWithTags: ['type:core', 'type:domain', 'type:storage', 'type:protocol'],
            },
            {
              sourceTag: 'type:node',
              onlyDependOnLibsWithTags: ['type:core', 'type:domain', 'type:storage', 'type:protocol', 'type:scheduler'],
            },
            { sourceTag: 'type:client', onlyDependOnLibsWithTags: ['type:core', 'type:domain'] },
            {
              sourceTag: 'type:service',
              onlyDependOnLibsWithTags: ['type:core', 'type:domain', 'type:storage', 'type:client'],
            },
            {
              sourceTag: 'type:agent',
              onlyDependOnLibsWithTags: ['type:core', 'type:domain', 'type:storage', 'type:protocol', 'type:scheduler', 'type:node', 'type:client'],
            },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:core', 'type:domain', 'type:storage', 'type:protocol', 'type:scheduler', 'type:node', 'type:client', 'type:service', 'type:agent'],
            },
            {
              sourceTag: 'type:tool',
              onlyDependOnLibsWithTags: ['type:core', 'type:domain', 'type:storage', 'type:protocol', 'type:scheduler', 'type:node', 'type:client', 'type:service', 'type:agent', 'type:app'],
            },
          ],
        },
      ],
    },
  },
]
