import { beforeAll, describe, expect, it } from '@jest/globals'
import { access, readFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { Command } from 'commander'
import { buildProgram } from '../src/program.js'
import { REPO_ROOT } from './support/cli-process.js'
import {
  containerInvocation,
  execForm,
  listFiles,
  markdownInvocations,
  parseDockerfile,
  parseUnitFile,
  parseYamlDocuments,
  podSpecs,
  readText,
  relativeTo,
  unitInvocation,
  CLI_ENTRY,
  type Invocation,
  type K8sObject,
} from './support/deploy-files.js'

// Every file under deploy/ is parsed, and every `imgswarm …` command line in it goes through the
// CLI's real argument parser (buildProgram, actions replaced by a recorder): a renamed flag, a
// removed command, a bad value or a missing required option fails here, not in production.

const DEPLOY = join(REPO_ROOT, 'deploy')

/** Values for the deploy-time variables the files substitute into command lines. */
const SAMPLES: Record<string, string> = {
  IMGSWARM_COORDINATOR: 'http://coordinator.example:7700',
  IMGSWARM_SITE: 'plant-3',
  POD_IP: '10.0.0.7',
  HOST_IP: '192.168.10.21',
  NODE_NAME: 'edge-17',
}

interface Parsed {
  /** `coordinator`, `rollout create`, … */
  command: string
  opts: Record<string, unknown>
  /** Environment variables that options of this command read. */
  envVars: string[]
}

/** Parses `inv` with the real program; throws with commander's message when it would refuse it. */
async function parse(inv: Invocation): Promise<Parsed> {
  const program = await buildProgram()
  const errors: string[] = []
  let parsed: Parsed | undefined
  const visit = (cmd: Command): void => {
    cmd.configureOutput({ writeOut: () => undefined, writeErr: (s) => void errors.push(s), outputError: (s) => void errors.push(s) })
    if (cmd.commands.length === 0) {
      cmd.action((...args: unknown[]) => {
        const self = args.at(-1) as Command
        const names: string[] = []
        for (let c: Command | null = self; c !== null && c.parent !== null; c = c.parent) names.unshift(c.name())
        parsed = { command: names.join(' '), opts: self.opts(), envVars: self.options.flatMap((o) => (o.envVar === undefined ? [] : [o.envVar])) }
      })
    }
    cmd.commands.forEach(visit)
  }
  visit(program)
  const saved = { ...process.env }
  try {
    // the command's environment as the file gives it (secret values are placeholders of the right shape)
    for (const [name, value] of Object.entries(inv.env)) process.env[name] = value.startsWith('<') || value === '…' ? 'x'.repeat(24) : value
    await program.parseAsync(inv.args, { from: 'user' })
  } catch (err) {
    throw new Error(`${inv.where}: imgswarm ${inv.args.join(' ')}\n  refused: ${(err as Error).message} ${errors.join(' ')}`)
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
    Object.assign(process.env, saved)
  }
  if (parsed === undefined) throw new Error(`${inv.where}: imgswarm ${inv.args.join(' ')} names no runnable command`)
  return parsed
}

/** IMGSWARM_* names read by the code (outside tests). */
async function variablesReadByCode(): Promise<Set<string>> {
  const names = new Set<string>()
  for (const top of ['apps', 'libs']) {
    for (const file of await listFiles(join(REPO_ROOT, top))) {
      if (!file.endsWith('.ts') || file.endsWith('.spec.ts') || file.includes('/node_modules/') || file.includes('/e2e/')) continue
      for (const m of (await readFile(file, 'utf8')).matchAll(/\bIMGSWARM_[A-Z0-9_]+\b/g)) names.add(m[0])
    }
  }
  return names
}

/** Every option environment variable of the whole program. */
async function programEnvVars(): Promise<Set<string>> {
  const names = new Set<string>()
  const visit = (cmd: Command): void => {
    for (const o of cmd.options) if (o.envVar !== undefined) names.add(o.envVar)
    cmd.commands.forEach(visit)
  }
  visit(await buildProgram())
  return names
}

function portOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value
  if (Array.isArray(value)) return portOf(value[0])
  const m = typeof value === 'string' ? /\/tcp\/(\d+)/.exec(value) : null
  return m === null ? undefined : Number(m[1])
}

describe('deploy/ files', () => {
  let files: string[]
  let readByCode: Set<string>
  let runtime: { nodeFlags: string[]; env: Record<string, string> }

  beforeAll(async () => {
    files = (await listFiles(DEPLOY)).map((f) => relativeTo(REPO_ROOT, f))
    runtime = JSON.parse(await readText(join(REPO_ROOT, 'apps/cli/node-runtime.json'))) as typeof runtime
    expect(runtime.nodeFlags.length).toBeGreaterThan(0)
    readByCode = new Set([...(await variablesReadByCode()), ...(await programEnvVars())])
  })

  /** IMGSWARM_* names a file mentions must be read by the code or substituted in its commands. */
  async function expectKnownVariables(file: string, invocations: readonly Invocation[]): Promise<void> {
    const substituted = new Set(invocations.flatMap((i) => i.substituted))
    const mentioned = new Set([...(await readText(join(REPO_ROOT, file))).matchAll(/\bIMGSWARM_[A-Z0-9_]+\b/g)].map((m) => m[0]))
    const unknown = [...mentioned].filter((n) => !readByCode.has(n) && !substituted.has(n))
    expect({ file, unknown }).toEqual({ file, unknown: [] })
  }

  it('run the compiled CLI, which the build script makes from the CLI entry point', async () => {
    const build = await readText(join(REPO_ROOT, 'tools/build.mjs'))
    expect(build).toMatch(/for \(const group of \['libs', 'apps'\]\)/)
    await expect(access(join(REPO_ROOT, 'apps/cli/src/main.ts'))).resolves.toBeUndefined()
    expect(JSON.parse(await readText(join(REPO_ROOT, 'package.json'))).scripts.build).toBe('node tools/build.mjs')
  })

  it('are all of a known kind: systemd units, Dockerfiles (+ their .dockerignore), Kubernetes YAML, README', () => {
    const kinds = files.map((f) => (/\.service$|\.Dockerfile$|\.Dockerfile\.dockerignore$|\.yaml$|README\.md$/.test(f) ? 'known' : f))
    expect(kinds.filter((k) => k !== 'known')).toEqual([])
    expect(files).toEqual(
      expect.arrayContaining([
        'deploy/systemd/imgswarm-coordinator.service',
        'deploy/systemd/imgswarm-agent.service',
        'deploy/docker/coordinator.Dockerfile',
        'deploy/docker/agent.Dockerfile',
        'deploy/k8s/coordinator.yaml',
        'deploy/k8s/agent-daemonset.yaml',
        'deploy/k8s/secrets.yaml',
      ]),
    )
  })

  it('systemd units run a real imgswarm command, unprivileged and hardened, in their state directory', async () => {
    const units = files.filter((f) => f.endsWith('.service'))
    const commands: string[] = []
    for (const file of units) {
      const unit = parseUnitFile(await readText(join(REPO_ROOT, file)), file)
      const service = unit.get('Service')
      const one = (key: string): string | undefined => service?.get(key)?.at(-1)
      expect({ file, user: one('User') }).toEqual({ file, user: 'imgswarm' })
      expect(one('EnvironmentFile')).toMatch(/^\/etc\/imgswarm\/.+\.env$/)
      for (const [key, value] of Object.entries({ NoNewPrivileges: 'yes', ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes' })) {
        expect({ file, key, value: one(key) }).toEqual({ file, key, value })
      }
      expect(one('CapabilityBoundingSet')).toBe('')
      // V8's JIT needs W+X pages: MemoryDenyWriteExecute would kill node at start
      expect(service?.has('MemoryDenyWriteExecute')).toBe(false)
      expect(unit.get('Install')?.get('WantedBy')).toEqual(['multi-user.target'])

      const inv = unitInvocation(unit, file, SAMPLES)
      // node runs with the runtime settings of apps/cli/node-runtime.json (bounded memory)
      const exec = one('ExecStart')!.split(/\s+/)
      expect({ file, node: exec.slice(0, exec.findIndex((w) => w.endsWith(CLI_ENTRY))) }).toEqual({ file, node: ['/usr/bin/node', ...runtime.nodeFlags] })
      expect({ file, env: inv.env }).toEqual({ file, env: expect.objectContaining(runtime.env) })
      const parsed = await parse(inv)
      commands.push(parsed.command)
      expect(parsed.opts.dataDir).toBe(`/var/lib/${one('StateDirectory')}`)
      expect(parsed.opts.logFormat).toBe('json')
      await expectKnownVariables(file, [inv])
    }
    expect(commands.sort()).toEqual(['agent', 'coordinator'])
  })

  it('Dockerfiles are multi-stage, run the CLI as non-root, and their CMD is a real command on the exposed ports', async () => {
    const dockerfiles = files.filter((f) => f.endsWith('.Dockerfile'))
    const commands: string[] = []
    for (const file of dockerfiles) {
      const { stages } = parseDockerfile(await readText(join(REPO_ROOT, file)), file)
      expect(stages.length).toBeGreaterThanOrEqual(2)
      expect(stages[0].name).toBe('build')
      const final = stages[stages.length - 1]
      const ops = (op: string): string[] => final.instructions.filter((i) => i.op === op).map((i) => i.args)
      expect(ops('USER')).toEqual(['node'])
      // one stage compiles, one installs production dependencies only
      expect(stages.some((s) => s.instructions.some((i) => i.op === 'RUN' && /npm ci .*&& npm run build/.test(i.args)))).toBe(true)
      expect(stages.some((s) => s.instructions.some((i) => i.op === 'RUN' && /npm ci --omit=dev/.test(i.args)))).toBe(true)
      // what the runtime stage copies from the build context exists in the repository
      for (const copy of ops('COPY')) {
        for (const src of copy.split(/\s+/).filter((w) => w.startsWith('/src/')).map((w) => w.slice('/src/'.length))) {
          if (src !== 'node_modules') await expect(access(join(REPO_ROOT, src))).resolves.toBeUndefined()
        }
      }
      const entrypoint = execForm(ops('ENTRYPOINT')[0], file)
      const workdir = ops('WORKDIR')[0]
      expect(entrypoint).toEqual(['node', ...runtime.nodeFlags, `${workdir}${CLI_ENTRY}`])
      const env = Object.fromEntries(ops('ENV').flatMap((e) => e.split(/\s+/).map((kv) => kv.split('='))))
      expect({ file, env }).toEqual({ file, env: expect.objectContaining(runtime.env) })

      const inv: Invocation = { where: `${file} CMD`, args: execForm(ops('CMD')[0], file), env: {}, substituted: [] }
      const parsed = await parse(inv)
      commands.push(parsed.command)
      const exposed = ops('EXPOSE').flatMap((e) => e.split(/\s+/).map(Number))
      const ports = [parsed.opts.port, parsed.opts.listen, parsed.opts.metricsPort].map(portOf).filter((p) => p !== undefined)
      expect({ file, ports: ports.sort() }).toEqual({ file, ports: [...exposed].sort() })
      const health = ops('HEALTHCHECK')[0]
      const healthPort = Number(/127\.0\.0\.1:(\d+)\/healthz/.exec(health)?.[1])
      expect([parsed.opts.port, parsed.opts.metricsPort]).toContain(healthPort)
      expect(parsed.opts.dataDir).toBe(execForm(ops('VOLUME')[0], file)[0])

      const ignore = await readText(join(REPO_ROOT, `${file}.dockerignore`))
      expect(ignore.split('\n')).toEqual(expect.arrayContaining(['**/node_modules', '.git']))
      await expectKnownVariables(file, [inv])
    }
    expect(commands.sort()).toEqual(['agent', 'coordinator'])
  })

  it('Kubernetes manifests parse, reference what exists, and run real commands with the tokens from Secrets', async () => {
    const yamlFiles = files.filter((f) => f.startsWith('deploy/k8s/') && f.endsWith('.yaml'))
    const objects: Array<K8sObject & { file: string }> = []
    for (const file of yamlFiles) {
      for (const o of parseYamlDocuments(await readText(join(REPO_ROOT, file)), file)) objects.push({ ...o, file })
    }
    const named = (kind: string): K8sObject[] => objects.filter((o) => o.kind === kind)
    const kustomization = named('Kustomization')[0]
    expect([...kustomization.resources].sort()).toEqual(yamlFiles.map((f) => basename(f)).filter((f) => f !== 'kustomization.yaml').sort())
    for (const o of objects.filter((x) => x.kind !== 'Kustomization' && x.kind !== 'Namespace')) expect(o.metadata.namespace).toBe('imgswarm')

    const secrets = new Map(named('Secret').map((s) => [s.metadata.name as string, Object.keys({ ...s.data, ...s.stringData })]))
    const claims = new Set(named('PersistentVolumeClaim').map((c) => c.metadata.name as string))
    const parsedByCommand = new Map<string, { parsed: Parsed; container: K8sObject; owner: string }>()
    for (const { owner, spec, labels } of podSpecs(objects)) {
      expect(spec.securityContext?.runAsNonRoot).toBe(true)
      for (const volume of spec.volumes ?? []) {
        if (volume.persistentVolumeClaim !== undefined) expect(claims.has(volume.persistentVolumeClaim.claimName)).toBe(true)
      }
      for (const container of spec.containers as K8sObject[]) {
        expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true })
        for (const e of container.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef
          if (ref !== undefined) expect({ owner, secret: ref.name, key: secrets.get(ref.name)?.includes(ref.key) }).toEqual({ owner, secret: ref.name, key: true })
        }
        const portNames = new Set((container.ports ?? []).map((p: K8sObject) => p.name))
        for (const probe of [container.readinessProbe, container.livenessProbe].filter(Boolean)) {
          const port = probe.httpGet?.port ?? probe.tcpSocket?.port
          expect(portNames.has(port)).toBe(true)
        }
        if (!String(container.image).startsWith('imgswarm-')) continue
        const inv = containerInvocation(container, `${owner} ${container.name}`, SAMPLES)
        const parsed = await parse(inv)
        parsedByCommand.set(parsed.command, { parsed, container, owner })
        // a token handed over in the environment is read by that very command
        for (const e of container.env ?? []) {
          if (e.valueFrom?.secretKeyRef !== undefined) expect({ owner, env: e.name, read: parsed.envVars.includes(e.name) }).toEqual({ owner, env: e.name, read: true })
        }
        const ports = (container.ports ?? []).map((p: K8sObject) => p.containerPort as number).sort()
        const used = [parsed.opts.port, parsed.opts.listen, parsed.opts.metricsPort].map(portOf).filter((p) => p !== undefined)
        expect({ owner, ports: used.sort() }).toEqual({ owner, ports })
        for (const mount of container.volumeMounts ?? []) expect((spec.volumes ?? []).some((v: K8sObject) => v.name === mount.name)).toBe(true)
        expect(Object.keys(labels).length).toBeGreaterThan(0)
      }
    }
    expect([...parsedByCommand.keys()].sort()).toEqual(['agent', 'coordinator'])

    // the Service reaches the coordinator's pods on the ports it serves
    const service = named('Service').find((s) => s.metadata.name === 'imgswarm-coordinator')
    const deployment = named('Deployment').find((d) => d.metadata.name === 'imgswarm-coordinator')
    expect(deployment?.spec.template.metadata.labels).toMatchObject(service?.spec.selector)
    const coordinator = parsedByCommand.get('coordinator')
    const containerPorts = new Set((coordinator?.container.ports ?? []).map((p: K8sObject) => p.name))
    for (const p of service?.spec.ports ?? []) expect(containerPorts.has(p.targetPort)).toBe(true)
    expect(deployment?.spec.replicas).toBe(1)
    expect(deployment?.spec.strategy?.type).toBe('Recreate')
    // agents reach the coordinator through that Service
    const agentUrl = new URL(String(parsedByCommand.get('agent')?.parsed.opts.coordinator))
    expect(agentUrl.hostname.split('.')[0]).toBe('imgswarm-coordinator')
    expect(Number(agentUrl.port)).toBe(service?.spec.ports.find((p: K8sObject) => p.name === 'http')?.port)
    const daemonSet = named('DaemonSet')[0]
    expect(daemonSet.spec.template.spec.volumes.some((v: K8sObject) => v.hostPath !== undefined)).toBe(true)

    for (const file of yamlFiles) {
      const invocations = podSpecs(objects.filter((o) => o.file === file)).flatMap(({ owner, spec }) =>
        (spec.containers as K8sObject[]).filter((c) => String(c.image).startsWith('imgswarm-')).map((c) => containerInvocation(c, owner, SAMPLES)),
      )
      await expectKnownVariables(file, invocations)
    }
  })

  it('the README shows only command lines the CLI accepts', async () => {
    const file = 'deploy/README.md'
    const invocations = markdownInvocations(await readText(join(REPO_ROOT, file)), file)
    expect(invocations.length).toBeGreaterThanOrEqual(8)
    for (const inv of invocations) await parse(inv)
    // the README may also name the variables the systemd units substitute (their env files)
    const units = await Promise.all(
      files.filter((f) => f.endsWith('.service')).map(async (f) => unitInvocation(parseUnitFile(await readText(join(REPO_ROOT, f)), f), f, SAMPLES)),
    )
    await expectKnownVariables(file, [...invocations, ...units])
  })

  it('the parser refuses what it should (the check above can fail)', async () => {
    await expect(parse({ where: 'test', args: ['coordinator', '--data-dir', '/x', '--no-such-flag'], env: {}, substituted: [] })).rejects.toThrow(/unknown option/)
    await expect(parse({ where: 'test', args: ['coordinator', '--port', 'seventy'], env: {}, substituted: [] })).rejects.toThrow(/port/)
    await expect(parse({ where: 'test', args: ['no-such-command'], env: {}, substituted: [] })).rejects.toThrow(/unknown command/)
    await expect(parse({ where: 'test', args: ['rollout', 'create', '--image', 'a', '--version', '1', '--waves', '100%'], env: {}, substituted: [] })).rejects.toThrow(
      /--coordinator/,
    )
  })
})
