// End to end in one process: a real coordinator (HTTP, level on disk) with an embedded seed node,
// and real agents (libp2p on loopback, level and image files on disk) driven only by rollouts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { readFile, unlink, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { CoordinatorClient, type RolloutView } from '@imgswarm/coordinator-client'
import type { RunningCoordinator } from '@imgswarm/coordinator'
import { generatePublisherKey, type PublisherKey } from '@imgswarm/manifest'
import { SwarmNode, type PublishedImage } from '@imgswarm/swarm-node'
import { EdgeAgent, type EdgeAgentInit } from './agent.js'
import { startMetricsServer } from './metrics-server.js'
import { ADMIN_TOKEN, ENROLMENT_TOKEN, startTestCoordinator } from './test/coordinator.js'
import { eventually, sha256File, tempDir, writeRandomFile } from './test/fixtures.js'
import { SwarmNodeSeeder } from './test/swarm-seeder.js'

const MiB = 1024 * 1024
const SIZE = 12 * MiB

describe('edge agents under a real coordinator and seed (one process, loopback)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let key: PublisherKey
  let seed: SwarmNode
  let coordinator: RunningCoordinator
  let admin: CoordinatorClient
  const agents: EdgeAgent[] = []
  let v1: PublishedImage & { sha: string }
  let v2: PublishedImage & { sha: string }

  const agentInit = (name: string, site: string): EdgeAgentInit => ({
    coordinatorUrl: coordinator.url,
    enrolmentToken: ENROLMENT_TOKEN,
    dataDir: join(dir.path, name),
    name,
    labels: { site, region: 'eu' },
    listen: ['/ip4/127.0.0.1/tcp/0'],
    retryMinMs: 50,
    retryMaxMs: 400,
    hintsIntervalMs: 300,
    failureRetryMs: 300,
  })

  async function publish(version: string, path: string): Promise<PublishedImage & { sha: string }> {
    const published = await seed.publish(path, { name: 'sample', version, key })
    await admin.registerImage({ manifest: Buffer.from(published.bytes).toString('base64') })
    return { ...published, sha: await sha256File(path) }
  }

  async function settled(id: string, status: RolloutView['status']): Promise<RolloutView> {
    return eventually(`rollout ${id} ${status}`, async () => {
      const r = await admin.getRollout(id)
      return r.status === status && r.nodes.every((n) => n.state === 'active') ? r : undefined
    })
  }

  beforeAll(async () => {
    dir = await tempDir()
    key = generatePublisherKey()
    seed = await SwarmNode.create({ dataDir: join(dir.path, 'seed') })
    await seed.start()
    coordinator = await startTestCoordinator(join(dir.path, 'coordinator'), [key.publicKey], {
      seeder: new SwarmNodeSeeder(seed, [key.publicKey]),
    })
    admin = new CoordinatorClient({ url: coordinator.url, token: ADMIN_TOKEN })

    // v2 shares most of v1's bytes: only 2 MiB in the middle change
    const v1Path = join(dir.path, 'sample-1.img')
    const v2Path = join(dir.path, 'sample-2.img')
    await writeRandomFile(v1Path, SIZE)
    const bytes = await readFile(v1Path)
    bytes.set(randomBytes(2 * MiB), 5 * MiB)
    await writeFile(v2Path, bytes)
    v1 = await publish('1', v1Path)
    v2 = await publish('2', v2Path)

    agents.push(await EdgeAgent.start(agentInit('agent-a', 'plant-1')))
    agents.push(await EdgeAgent.start(agentInit('agent-b', 'plant-1')))
    agents.push(await EdgeAgent.start(agentInit('agent-c', 'plant-2')))
  })

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()))
    await coordinator?.close()
    await seed?.stop()
    await dir.remove()
  })

  it('rolls v1 out in two waves: every agent fetches, verifies and activates identical content', async () => {
    expect(new Set(agents.map((a) => a.nodeId)).size).toBe(3)
    const created = await admin.createRollout({ image: 'sample', version: '1', selector: 'region=eu', waves: '1,100%' })
    const done = await settled(created.id, 'completed')

    expect(done.waves[1].startedAt! >= done.waves[0].settledAt!).toBe(true)
    for (const agent of agents) {
      const s = agent.status()
      expect(s).toMatchObject({ state: 'active', active: { manifestCid: v1.cid, version: '1' } })
      expect(s.previous).toBeUndefined()
      expect(await sha256File(agent.currentPath)).toBe(v1.sha)
      expect(s.totals.fetches).toBe(1)
      expect(s.totals.bytesDownloaded).toBeGreaterThanOrEqual(SIZE)
    }
    // bytes came from the seed and, for the second wave, from the first wave's agents too
    const fromPeers = agents.reduce((sum, a) => sum + a.status().totals.bytesFromPeers, 0)
    expect(fromPeers).toBeGreaterThan(0)
    // and the rollout's per-node view keeps saying where each active node's bytes came from
    const nodes = await eventually('per-node sources in the rollout view', async () => {
      const r = await admin.getRollout(created.id)
      return r.nodes.every((n) => n.bytesFromSeed + n.bytesFromPeers >= SIZE) ? r.nodes : undefined
    })
    expect(nodes.reduce((sum, n) => sum + n.bytesFromPeers, 0)).toBe(fromPeers)

    const status = await admin.status()
    expect(status.images.find((i) => i.manifestCid === v1.cid)).toMatchObject({ active: 3, failed: 0 })
    expect(status.nodes.byState.active).toBe(3)
  })

  it('rolls v2 out, reusing the chunks v1 already has, and keeps v1 as previous', async () => {
    const before = agents.map((a) => a.status().totals)
    const created = await admin.createRollout({ image: 'sample', version: '2', selector: '*', waves: '100%' })
    await settled(created.id, 'completed')
    for (const [i, agent] of agents.entries()) {
      const s = agent.status()
      expect(s).toMatchObject({ state: 'active', active: { manifestCid: v2.cid }, previous: { manifestCid: v1.cid } })
      expect(await sha256File(agent.currentPath)).toBe(v2.sha)
      expect(await sha256File(agent.previousPath)).toBe(v1.sha)
      const reused = s.totals.bytesReused - before[i].bytesReused
      const verified = s.totals.bytesFromSeeds + s.totals.bytesFromPeers - before[i].bytesFromSeeds - before[i].bytesFromPeers
      expect(reused).toBeGreaterThan(SIZE / 2)
      // every byte of v2 was either copied from v1 or fetched once: none it could reuse was fetched
      expect(reused + verified).toBe(SIZE)
      expect(verified).toBeLessThan(SIZE / 2)
      // and it cost less than a full copy even counting the duplicates an endgame fetches (their
      // number depends on timing: on a loaded machine, up to one more copy of each chunk requested)
      expect(s.totals.bytesDownloaded - before[i].bytesDownloaded).toBeLessThan(SIZE)
    }
  })

  it('rolls back to v1 by switching links: no byte is downloaded', async () => {
    const rollouts = await admin.listRollouts()
    const v2Rollout = rollouts.find((r) => r.image.version === '2')!
    const before = agents.map((a) => a.status().totals)

    await admin.rollbackRollout(v2Rollout.id)
    await settled(v2Rollout.id, 'rolled-back')
    await eventually('agents back on v1', () => agents.every((a) => a.status().active?.manifestCid === v1.cid))

    for (const [i, agent] of agents.entries()) {
      const s = agent.status()
      expect(s).toMatchObject({ state: 'active', active: { manifestCid: v1.cid }, previous: { manifestCid: v2.cid } })
      expect(await sha256File(agent.currentPath)).toBe(v1.sha)
      expect(s.totals.bytesDownloaded).toBe(before[i].bytesDownloaded)
      expect(s.totals.fetches).toBe(before[i].fetches)
      expect(s.totals.rollbacks).toBe(before[i].rollbacks + 1)
    }
    const nodes = await admin.listNodes()
    for (const n of nodes) expect(n.progress).toMatchObject({ state: 'active', activeManifestCid: v1.cid, previousManifestCid: v2.cid })
  })

  it('exports /healthz and /metrics', async () => {
    const agent = agents[0]
    const server = await startMetricsServer({
      port: 0,
      metrics: () => agent.metrics.text(),
      contentType: agent.metrics.contentType,
      health: () => ({ ok: true, state: agent.status().state }),
    })
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const health = await fetch(`${server.url}/healthz`)
      expect(health.status).toBe(200)
      expect(await health.json()).toEqual({ ok: true, state: 'active' })
      const text = await (await fetch(`${server.url}/metrics`)).text()
      const value = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1])
      expect(value('imgswarm_agent_bytes_downloaded_total')).toBe(agent.status().totals.bytesDownloaded)
      expect(value('imgswarm_agent_chunks_verified_total')).toBeGreaterThan(0)
      expect(value('imgswarm_agent_rollbacks_total')).toBe(1)
      expect(text).toMatch(/^imgswarm_agent_state\{state="active"\} 1$/m)
      expect(text).toMatch(/^imgswarm_agent_coordinator_reachable 1$/m)
      expect((await fetch(`${server.url}/nope`)).status).toBe(404)
    } finally {
      await server.close()
    }
  })

  it('after a restart: same node (no second enrolment), still active, and serving the active image to peers', async () => {
    const enrolled = (await admin.listNodes()).length
    const old = agents.shift()!
    const nodeId = old.nodeId
    await old.stop()
    const restarted = await EdgeAgent.start({ ...agentInit('agent-a', 'plant-1'), enrolmentToken: undefined })
    agents.push(restarted)
    expect(restarted.nodeId).toBe(nodeId)
    expect(restarted.status()).toMatchObject({ state: 'active', active: { manifestCid: v1.cid }, previous: { manifestCid: v2.cid } })
    await eventually('a heartbeat from the restarted agent', () => restarted.status().coordinator.sent > 0)
    expect((await admin.listNodes()).length).toBe(enrolled)

    // a newcomer that knows only the restarted agent gets all of v1 from it
    const newcomer = await SwarmNode.create({ dataDir: join(dir.path, 'newcomer') })
    await newcomer.start()
    try {
      expect(await newcomer.connect(restarted.addrs())).toBe(1)
      const { manifest } = await newcomer.fetchManifest(v1.cid, { trusted: [key.publicKey] })
      const out = join(dir.path, 'newcomer.img')
      const transfer = await newcomer.download(v1.cid, manifest, { out })
      await transfer.done
      expect(await sha256File(out)).toBe(v1.sha)
      expect(transfer.stats().bytesFromSeeds).toBe(0)
    } finally {
      await newcomer.stop()
    }
  })

  it('a failure is reported with its reason, halts the rollout, and the agent retries and recovers', async () => {
    const other = join(dir.path, 'other-1.img')
    await writeRandomFile(other, 2 * MiB)
    const published = await seed.publish(other, { name: 'other', version: '1', key })
    await admin.registerImage({ manifest: Buffer.from(published.bytes).toString('base64') })

    // on one agent the image directory cannot be made: a file stands where it goes (fails even as root)
    const agent = agents[0]
    const blocker = join(dirname(agent.currentPath), 'images', 'other')
    await writeFile(blocker, 'not a directory')

    const created = await admin.createRollout({ image: 'other', version: '1', selector: '*', waves: '100%', maxFailures: '0' })
    const halted = await eventually('the rollout halts', async () => {
      const r = await admin.getRollout(created.id)
      return r.status === 'halted' ? r : undefined
    })
    const failure = halted.failures.find((f) => f.nodeId === agent.nodeId)
    expect(failure?.reason).toMatch(/not a directory creating image directory .*images\/other/)
    expect(halted.haltReason).toContain(failure!.reason)
    // failed, or already retrying after its short backoff (it keeps failing while the file is there)
    const s = agent.status()
    expect(s).toMatchObject({ manifestCid: published.cid, active: { manifestCid: v1.cid } })
    expect(['failed', 'downloading']).toContain(s.state)
    expect(s.totals.failures).toBeGreaterThanOrEqual(1)
    expect(await sha256File(agent.currentPath)).toBe(v1.sha) // untouched meanwhile

    // put things right: the agent retries by itself after its backoff, and the halted wave stays targeted
    await unlink(blocker)
    await eventually('the failed agent recovers', () => agent.status().active?.manifestCid === published.cid)
    expect(await sha256File(agent.currentPath)).toBe(await sha256File(other))
    expect(agent.status().totals.failures).toBeGreaterThanOrEqual(1)
  })
})
