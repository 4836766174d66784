import { readFile, readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { parseAllDocuments } from 'yaml'

/** One `imgswarm …` command line found in a deploy file. */
export interface Invocation {
  /** File it was found in, relative to the repository root, and where in it. */
  where: string
  /** Arguments after `imgswarm`, with deploy-time variables already substituted. */
  args: string[]
  /** Environment the command runs with, as far as the file says (names only matter). */
  env: Record<string, string>
  /** Variables the command line substituted (`${X}` in systemd, `$(X)` in Kubernetes). */
  substituted: string[]
}

/** Files under `dir`, recursively, relative paths sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort()
}

/** The compiled CLI (`npm run build` turns apps/cli/src/main.ts into it): what deployments run. */
export const CLI_ENTRY = '/apps/cli/dist/main.js'

// ---- systemd ------------------------------------------------------------------------------

/** A unit file as section -> key -> values (a key may repeat), continuation lines joined. */
export type UnitFile = Map<string, Map<string, string[]>>

export function parseUnitFile(text: string, file: string): UnitFile {
  const unit: UnitFile = new Map()
  let section: Map<string, string[]> | undefined
  const lines = text.replace(/\\\n/g, ' ').split('\n')
  lines.forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return
    const header = /^\[([A-Za-z]+)\]$/.exec(line)
    if (header !== null) {
      section = new Map()
      unit.set(header[1], section)
      return
    }
    const kv = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line)
    if (kv === null || section === undefined) throw new Error(`${file}: line ${i + 1} is not "Key=value" in a [Section]: ${line}`)
    section.set(kv[1], [...(section.get(kv[1]) ?? []), kv[2].trim()])
  })
  return unit
}

/** The `imgswarm` command of a unit's ExecStart (`node …/imgswarm.js <args>`). */
export function unitInvocation(unit: UnitFile, file: string, samples: Record<string, string>): Invocation {
  const exec = unit.get('Service')?.get('ExecStart')
  if (exec?.length !== 1) throw new Error(`${file}: expected exactly one ExecStart`)
  const words = exec[0].split(/\s+/)
  const bin = words.findIndex((w) => w.endsWith(CLI_ENTRY))
  if (bin < 0) throw new Error(`${file}: ExecStart does not run ${CLI_ENTRY}: ${exec[0]}`)
  const env: Record<string, string> = {}
  for (const e of unit.get('Service')?.get('Environment') ?? []) {
    const [name, ...value] = e.split('=')
    env[name] = value.join('=')
  }
  const substituted: string[] = []
  const args = words.slice(bin + 1).map((w) => substitute(w, /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, samples, substituted, file))
  return { where: `${file} ExecStart`, args, env, substituted }
}

// ---- Dockerfiles --------------------------------------------------------------------------

export interface Dockerfile {
  stages: Array<{ from: string; name?: string; instructions: Array<{ op: string; args: string }> }>
}

export function parseDockerfile(text: string, file: string): Dockerfile {
  const stages: Dockerfile['stages'] = []
  const lines = text.replace(/\\\n(\s*#.*\n)*/g, ' ').split('\n')
  for (const raw of lines) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const m = /^([A-Z]+)\s+(.*)$/.exec(line)
    if (m === null) throw new Error(`${file}: not an instruction: ${line}`)
    const [, op, args] = m
    if (op === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)
      if (from === null) throw new Error(`${file}: bad FROM ${args}`)
      stages.push({ from: from[1], name: from[2], instructions: [] })
    } else if (op !== 'ARG' || stages.length > 0) {
      if (stages.length === 0) throw new Error(`${file}: ${op} before FROM`)
      stages[stages.length - 1].instructions.push({ op, args })
    }
  }
  return { stages }
}

/** Exec-form JSON array of an ENTRYPOINT/CMD/HEALTHCHECK CMD. */
export function execForm(args: string, file: string): string[] {
  const json = args.replace(/^.*?\bCMD\s+(?=\[)/, '')
  const parsed = JSON.parse(json) as unknown
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`${file}: not an exec-form array: ${args}`)
  return parsed
}

// ---- Kubernetes ---------------------------------------------------------------------------

export type K8sObject = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every document of a YAML file; a syntax error fails with the file and line. */
export function parseYamlDocuments(text: string, file: string): K8sObject[] {
  return parseAllDocuments(text).map((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${file}: document ${i + 1}: ${doc.errors.map((e) => e.message).join('; ')}`)
    return doc.toJS() as K8sObject
  })
}

/** Pod templates of workload objects. */
export function podSpecs(objects: readonly K8sObject[]): Array<{ owner: string; spec: K8sObject; labels: Record<string, string> }> {
  return objects
    .filter((o) => ['Deployment', 'DaemonSet', 'StatefulSet', 'Job'].includes(o.kind))
    .map((o) => ({ owner: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec, labels: o.spec.template.metadata?.labels ?? {} }))
}

/** The `imgswarm` command of a container whose image is one of ours (entrypoint: the CLI). */
export function containerInvocation(container: K8sObject, where: string, samples: Record<string, string>): Invocation {
  const env: Record<string, string> = {}
  for (const e of (container.env ?? []) as K8sObject[]) env[e.name] = e.value ?? `<${e.valueFrom ? Object.keys(e.valueFrom)[0] : 'unset'}>`
  const substituted: string[] = []
  const args = ((container.args ?? []) as unknown[]).map((a) => {
    if (typeof a !== 'string') throw new Error(`${where}: argument ${JSON.stringify(a)} is not a string (quote numbers)`)
    // $(VAR) refers to the container's own env; its value is known only at run time
    return substitute(a, /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, { ...samples, ...literalEnv(env) }, substituted, where)
  })
  for (const name of substituted) {
    if (!(name in env)) throw new Error(`${where}: $(${name}) is used but not defined in the container's env`)
  }
  return { where, args, env, substituted }
}

function literalEnv(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => !v.startsWith('<')))
}

// ---- Markdown -----------------------------------------------------------------------------

/**
 * `imgswarm …` lines of the ```sh blocks of a Markdown file, with `export X=…` lines before them
 * as the environment (a `…` placeholder value counts as set).
 */
export function markdownInvocations(text: string, file: string): Invocation[] {
  const found: Invocation[] = []
  const env: Record<string, string> = {}
  const blocks = text.matchAll(/```sh\n([\s\S]*?)```/g)
  for (const block of blocks) {
    const offset = text.slice(0, block.index).split('\n').length + 1
    block[1]
      .replace(/\\\n/g, ' ')
      .split('\n')
      .forEach((raw, i) => {
        const line = raw.replace(/\s+#.*$/, '').trim()
        const exported = /^export\s+([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line)
        if (exported !== null) env[exported[1]] = exported[2]
        const m = /^(?:npx\s+)?imgswarm\s+(.*)$/.exec(line)
        if (m !== null) found.push({ where: `${file}:${offset + i}`, args: m[1].split(/\s+/), env: { ...env }, substituted: [] })
      })
  }
  return found
}

// ---- helpers ------------------------------------------------------------------------------

function substitute(word: string, pattern: RegExp, samples: Record<string, string>, used: string[], where: string): string {
  return word.replace(pattern, (_, name: string) => {
    const value = samples[name]
    if (value === undefined) throw new Error(`${where}: no sample value for variable ${name} (add one to the deploy spec)`)
    used.push(name)
    return value
  })
}

export function relativeTo(root: string, path: string): string {
  return relative(root, path)
}

export async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8')
}
