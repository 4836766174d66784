import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { copyFile, mkdir, open, rm, stat, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { RolloutView } from '@imgswarm/coordinator-client'
import { CliProcesses } from './support/cli-process.js'
import {
  agentCounter,
  followRollout,
  operator,
  publish,
  startAgent,
  startCoordinator,
  type RunningAgent,
  type RunningCoordinator,
} from './support/rollout-fleet.js'
import { MiB, TempDirs, exists, sha256File, writeRandomFile } from './support/temp-files.js'

// Staged rollouts with a real coordinator and real agents, each its own `imgswarm` process on
// loopback. One coordinator serves the three scenarios; each scenario has its own agents,
// labelled suite=<scenario>, and its rollouts select only them.

const finished = (v: RolloutView): boolean => ['completed', 'halted', 'aborted'].includes(v.status)

describe('rollouts across processes (coordinator + agents on loopback)', () => {
  const shared = new CliProcesses()
  const procs = new CliProcesses()
  const temps = new TempDirs()
  let coordinator: RunningCoordinator

  beforeAll(async () => {
    coordinator = await startCoordinator(shared, join(await temps.make(), 'coordinator'))
  }, 120_000)

  afterEach(async () => {
    await procs.killAll()
  })

  afterAll(async () => {
    await procs.killAll()
    await shared.killAll()
    await temps.removeAll()
  })

  async function startAgents(root: string, suite: string, sites: readonly string[], downloadRate?: string): Promise<RunningAgent[]> {
    return Promise.all(
      sites.map((site, i) =>
        startAgent(procs, coordinator.url, {
          name: `${suite}-${i + 1}`,
          site,
          dataDir: join(root, `${suite}-${i + 1}`),
          labels: { suite },
          downloadRate,
        }),
      ),
    )
  }

  it('two waves: the second starts only once the first is active, status shows each phase, every copy is identical', async () => {
    const root = await temps.make()
    const source = join(root, 'image.bin')
    await writeRandomFile(source, 8 * MiB)
    const sites = ['plant-1', 'plant-1', 'plant-1', 'plant-2', 'plant-2', 'plant-2']
    // a download cap keeps each fetch on screen for a few heartbeats
    const [agents, image] = await Promise.all([startAgents(root, 'waves', sites, '3MiB'), publish(procs, coordinator, source, 'waves-1')])
    expect(image.seededByCoordinator).toBe(true)

    const create = await operator(procs, coordinator, [
      'rollout', 'create', '--image', 'e2e-image', '--version', 'waves-1', '--selector', 'suite=waves', '--waves', '50%,100%', '--json',
    ])
    const created = create.lastJson<RolloutView>()
    expect(created.waves.map((w) => w.size)).toEqual([3, 3])
    const seen: RolloutView[] = [created]
    const final = await followRollout(coordinator.admin, created.id, finished, seen, 120_000)

    expect(final.status).toBe('completed')
    expect(final.nodes.map((n) => n.state)).toEqual(Array(6).fill('active'))
    const [first, second] = final.waves
    // each wave holds both sites (waves are spread across the site label)
    for (const wave of final.waves) {
      expect(new Set(wave.nodeIds.map((id) => final.nodes.find((n) => n.nodeId === id)?.labels.site))).toEqual(new Set(['plant-1', 'plant-2']))
    }
    expect(first.settledAt).toBeDefined()
    expect(second.startedAt! >= first.settledAt!).toBe(true)

    // wave 2 never started while a wave-1 node was not active
    for (const view of seen) {
      if (view.waves[1].status === 'waiting') continue
      const firstWave = view.nodes.filter((n) => view.waves[0].nodeIds.includes(n.nodeId))
      expect(firstWave.map((n) => n.state)).toEqual(['active', 'active', 'active'])
    }
    // status showed the phases: wave 1 fetching while wave 2 waited, then wave 2 fetching
    const firstFetching = seen.find(
      (v) => v.waves[1].status === 'waiting' && v.nodes.some((n) => n.wave === 0 && n.state === 'downloading' && n.bytesDone > 0 && n.bytesDone < n.bytesTotal),
    )
    expect(firstFetching).toBeDefined()
    expect(firstFetching?.nodes.filter((n) => n.wave === 1).map((n) => n.state)).toEqual(['pending', 'pending', 'pending'])
    expect(seen.some((v) => v.waves[0].status === 'settled' && v.nodes.some((n) => n.wave === 1 && n.state === 'downloading'))).toBe(true)

    const expected = await sha256File(source)
    for (const agent of agents) {
      expect({ agent: agent.name, sha256: await sha256File(agent.current) }).toEqual({ agent: agent.name, sha256: expected })
      expect(await agentCounter(agent, 'imgswarm_agent_bytes_downloaded_total')).toBeGreaterThanOrEqual(8 * MiB)
    }

    // the operator's view of the same rollout
    const status = await operator(procs, coordinator, ['status', created.id])
    expect(status.stdout).toContain('status COMPLETED')
    for (const agent of agents) expect(status.stdout).toMatch(new RegExp(`${agent.nodeId} ${agent.name}\\s+plant-\\d\\s+\\d\\s+active`))
  }, 180_000)

  it('halts when a wave fails past the threshold, with the reasons in status; the next wave never starts', async () => {
    const root = await temps.make()
    const source = join(root, 'image.bin')
    await writeRandomFile(source, 8 * MiB)
    const sites = ['plant-1', 'plant-1', 'plant-2', 'plant-2']
    // Every agent starts with a regular file where it keeps its image versions (a directory), so
    // whichever nodes wave 1 holds fail; the others are repaired as soon as the waves are known.
    for (const i of sites.keys()) {
      await mkdir(join(root, `halt-${i + 1}`))
      await writeFile(join(root, `halt-${i + 1}`, 'images'), 'not a directory\n')
    }
    const [agents] = await Promise.all([startAgents(root, 'halt', sites), publish(procs, coordinator, source, 'halt-1')])
    const created = await coordinator.admin.createRollout({ image: 'e2e-image', version: 'halt-1', selector: 'suite=halt', waves: '50%,100%', maxFailures: '1' })
    const firstWave = created.waves[0].nodeIds
    expect(firstWave).toHaveLength(2)
    const healthy = agents.filter((a) => !firstWave.includes(a.nodeId))
    for (const agent of healthy) await rm(join(agent.dataDir, 'images'))

    const halted = await followRollout(coordinator.admin, created.id, finished, [], 120_000)
    expect(halted.status).toBe('halted')
    expect(halted.haltReason).toMatch(/fail/i)
    expect(halted.failures.map((f) => f.nodeId).sort()).toEqual([...firstWave].sort())
    for (const failure of halted.failures) expect(failure.reason.length).toBeGreaterThan(0)
    for (const node of halted.nodes.filter((n) => n.wave === 0)) {
      expect(node.state).toBe('failed')
      expect(node.reason).toBeDefined()
    }
    expect(halted.waves[1].status).toBe('waiting')
    expect(halted.nodes.filter((n) => n.wave === 1).map((n) => n.state)).toEqual(['pending', 'pending'])

    // it stays halted: more heartbeats and ticks start nothing, and the healthy agents fetch nothing
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const again = await coordinator.admin.getRollout(created.id)
    expect([again.status, again.waves[1].status]).toEqual(['halted', 'waiting'])
    for (const agent of healthy) {
      expect(await exists(agent.current)).toBe(false)
      expect(await agentCounter(agent, 'imgswarm_agent_bytes_downloaded_total')).toBe(0)
    }

    // what the operator sees
    const status = await operator(procs, coordinator, ['status', created.id])
    expect(status.stdout).toContain('status HALTED')
    expect(status.stdout).toContain(`halted: ${halted.haltReason}`)
    expect(status.stdout).toContain('failures:')
    for (const failure of halted.failures) expect(status.stdout).toContain(`${failure.nodeId}: ${failure.reason}`)
    const watch = await operator(procs, coordinator, ['status', created.id, '--watch', '--interval', '0.3'])
    expect((await watch.exited).code).toBe(1)
    expect(watch.stderr).toMatch(/rollout r-\d+ ended halted/)
  }, 180_000)

  it('rolls back to the first version without downloading it again', async () => {
    const root = await temps.make()
    const v1 = join(root, 'v1.bin')
    const v2 = join(root, 'v2.bin')
    await writeRandomFile(v1, 8 * MiB)
    // v2 shares its first half with v1 (those chunks are reused, not fetched)
    await copyFile(v1, v2)
    const file = await open(v2, 'r+')
    await file.write(randomBytes(4 * MiB), 0, 4 * MiB, 4 * MiB)
    await file.close()
    expect((await stat(v2)).size).toBe(8 * MiB)

    const [agents, first, second] = await Promise.all([
      startAgents(root, 'rollback', ['plant-1', 'plant-2', 'plant-2']),
      publish(procs, coordinator, v1, 'rollback-1'),
      publish(procs, coordinator, v2, 'rollback-2'),
    ])
    const toV1 = await coordinator.admin.createRollout({ image: 'e2e-image', version: 'rollback-1', selector: 'suite=rollback', waves: '100%' })
    expect((await followRollout(coordinator.admin, toV1.id, finished)).status).toBe('completed')
    const toV2 = await coordinator.admin.createRollout({ image: 'e2e-image', version: 'rollback-2', selector: 'suite=rollback', waves: '100%' })
    expect((await followRollout(coordinator.admin, toV2.id, finished)).status).toBe('completed')
    const [sha1, sha2] = [await sha256File(v1), await sha256File(v2)]
    for (const agent of agents) expect(await sha256File(agent.current)).toBe(sha2)

    const before = await Promise.all(
      agents.map(async (a) => ({
        downloaded: await agentCounter(a, 'imgswarm_agent_bytes_downloaded_total'),
        rollbacks: await agentCounter(a, 'imgswarm_agent_rollbacks_total'),
      })),
    )
    const rollback = await operator(procs, coordinator, ['rollout', 'rollback', toV2.id])
    expect(rollback.stdout).toContain(`rollout ${toV2.id}: rollback done, now rolled-back`)

    const back = await followRollout(coordinator.admin, toV2.id, (v) => v.status === 'rolled-back' && v.nodes.every((n) => n.state === 'active'))
    for (const node of back.nodes) expect(node.target?.manifestCid).toBe(first.manifestCid)
    for (const [i, agent] of agents.entries()) {
      expect(await sha256File(agent.current)).toBe(sha1)
      // not one more byte downloaded: the kept version was reactivated
      expect(await agentCounter(agent, 'imgswarm_agent_bytes_downloaded_total')).toBe(before[i].downloaded)
      expect(await agentCounter(agent, 'imgswarm_agent_rollbacks_total')).toBe(before[i].rollbacks + 1)
    }
    const nodes = await coordinator.admin.listNodes()
    for (const agent of agents) {
      const progress = nodes.find((n) => n.id === agent.nodeId)?.progress
      expect({ active: progress?.activeManifestCid, previous: progress?.previousManifestCid }).toEqual({
        active: first.manifestCid,
        previous: second.manifestCid,
      })
    }
  }, 180_000)
})
