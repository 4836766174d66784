import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { CoordinatorClient } from '@imgswarm/coordinator-client'
import type { RunningCoordinator } from '../app/start-coordinator.js'
import { ADMIN_TOKEN, signedImage, tempDir, type SignedImage } from '../testing/fixtures.js'
import { beatAll, SimulatedAgent, startTestCoordinator } from './harness.js'

const SIZE = 4 * 256 * 1024

describe('a staged rollout driven by simulated agents over HTTP', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let c: RunningCoordinator
  let api: CoordinatorClient
  let agents: SimulatedAgent[]
  let v1: SignedImage
  let v2: SignedImage

  beforeAll(async () => {
    dir = await tempDir()
    c = await startTestCoordinator(dir.path)
    api = new CoordinatorClient({ url: c.url, token: ADMIN_TOKEN })
    agents = []
    for (let i = 0; i < 6; i++) agents.push(await SimulatedAgent.enrol(c.url, { site: i < 3 ? 'plant-1' : 'plant-2', region: 'eu' }, i))
    v1 = signedImage('win11-iot', '2026.10')
    v2 = signedImage('win11-iot', '2026.11')
    await api.registerImage({ manifest: v1.base64 })
    await api.registerImage({ manifest: v2.base64 })
    await beatAll(agents)
  })
  afterAll(async () => {
    await c.close()
    await dir.remove()
  })

  const byId = (id: string) => agents.find((a) => a.nodeId === id)!

  it('starts wave 2 only once every node of wave 1 is active, then completes', async () => {
    const created = await api.createRollout({ image: 'win11-iot', version: '2026.10', selector: 'region=eu', waves: '50%,100%', maxFailures: '0' })
    expect(created).toMatchObject({ status: 'running', currentWave: 0, total: 6 })
    const wave1 = created.waves[0].nodeIds.map(byId)
    const wave2 = created.waves[1].nodeIds.map(byId)
    expect(new Set(wave1.map((a) => a.labels.site))).toEqual(new Set(['plant-1', 'plant-2']))

    await beatAll(agents)
    for (const a of wave1) expect(a.last).toMatchObject({ desired: { manifestCid: v1.cid, version: '2026.10' }, rolloutId: created.id, rollback: false })
    for (const a of wave2) expect(a.last?.desired).toBeNull()

    // wave 1 fetches: the status shows it, with progress and an ETA
    for (const a of wave1) a.download(v1.cid, SIZE / 2, SIZE)
    await beatAll(wave1)
    let status = await api.getRollout(created.id)
    expect(status.waves[0].counts.downloading).toBe(3)
    const node = status.nodes.find((n) => n.nodeId === wave1[0].nodeId)!
    expect(node).toMatchObject({ state: 'downloading', bytesDone: SIZE / 2, bytesTotal: SIZE, rate: 1_000_000, peers: 2, etaSeconds: 1 })
    expect(node.bytesFromSeed + node.bytesFromPeers).toBe(SIZE / 2)

    // two active, one verifying: wave 2 still waits
    wave1[0].activate(v1.cid)
    wave1[1].activate(v1.cid)
    wave1[2].state = 'verifying'
    await beatAll(agents)
    status = await api.getRollout(created.id)
    expect(status.currentWave).toBe(0)
    expect(status.nodes.find((n) => n.nodeId === wave1[2].nodeId)?.state).toBe('verifying')
    for (const a of wave2) expect(a.last?.desired).toBeNull()

    // the last one activates: its own heartbeat starts wave 2
    wave1[2].activate(v1.cid)
    await wave1[2].beat()
    status = await api.getRollout(created.id)
    expect(status.currentWave).toBe(1)
    expect(status.waves.map((w) => w.status)).toEqual(['settled', 'in-progress'])
    await beatAll(wave2)
    for (const a of wave2) expect(a.last?.desired?.manifestCid).toBe(v1.cid)

    for (const a of wave2) a.activate(v1.cid)
    await beatAll(wave2)
    status = await api.getRollout(created.id)
    expect(status.status).toBe('completed')
    expect(status.counts.active).toBe(6)
    expect(status.events.map((e) => e.type)).toEqual(['created', 'started', 'wave-started', 'wave-started', 'completed'])
    const fleet = await api.status()
    expect(fleet.images.find((i) => i.manifestCid === v1.cid)).toMatchObject({ active: 6, desired: 6 })
  })

  it('halts when failures pass the threshold, with the reasons visible; later waves do not start', async () => {
    const created = await api.createRollout({ image: 'win11-iot', version: '2026.11', selector: '*', waves: '50%,100%', maxFailures: '1' })
    const wave1 = created.waves[0].nodeIds.map(byId)
    const wave2 = created.waves[1].nodeIds.map(byId)
    expect(created.nodes.every((n) => n.from?.manifestCid === v1.cid)).toBe(true)
    await beatAll(agents)
    wave1[0].activate(v2.cid)
    wave1[1].fail(v2.cid, 'EACCES: permission denied, open /data/out/win11.img')
    await beatAll(wave1)
    let status = await api.getRollout(created.id)
    expect(status.status).toBe('running') // one failure is within the threshold of 1

    wave1[2].fail(v2.cid, 'ENOSPC: no space left on device')
    await wave1[2].beat()
    status = await api.getRollout(created.id)
    expect(status.status).toBe('halted')
    expect(status.currentWave).toBe(0)
    expect(status.haltReason).toContain('2 of 3 nodes started so far failed, more than max failures 1 allows')
    expect(status.haltReason).toContain(`${wave1[1].nodeId}: EACCES: permission denied, open /data/out/win11.img`)
    expect(status.failures.map((f) => f.reason).sort()).toEqual(['EACCES: permission denied, open /data/out/win11.img', 'ENOSPC: no space left on device'])
    expect(status.nodes.find((n) => n.nodeId === wave1[2].nodeId)).toMatchObject({ state: 'failed', reason: 'ENOSPC: no space left on device' })
    expect((await api.listRollouts())[0]).toMatchObject({ id: created.id, status: 'halted' })

    // wave 2 never hears of v2: the older rollout still decides for it
    await beatAll(wave2)
    for (const a of wave2) expect(a.last).toMatchObject({ desired: { manifestCid: v1.cid }, rollback: false })
    const metrics = await api.metrics()
    expect(metrics).toMatch(/^imgswarm_rollouts\{status="halted"\} 1$/m)
  })

  it('rolls back: nodes the rollout reached are told to return to their previous version', async () => {
    const [halted] = await api.listRollouts()
    const rolled = await api.rollbackRollout(halted.id)
    expect(rolled.status).toBe('rolled-back')
    const reached = rolled.waves[0].nodeIds.map(byId)
    await beatAll(agents)
    for (const a of reached) expect(a.last).toMatchObject({ desired: { manifestCid: v1.cid, version: '2026.10' }, rolloutId: halted.id, rollback: true })

    // the agents reactivate what they kept; the rollout shows them back
    for (const a of reached) a.activate(v1.cid)
    await beatAll(reached)
    const after = await api.getRollout(halted.id)
    expect(after.waves[0].counts.active).toBe(3)
    expect(after.nodes.filter((n) => n.target !== undefined).every((n) => n.rollback && n.target?.manifestCid === v1.cid)).toBe(true)
    await expect(api.resumeRollout(halted.id)).rejects.toMatchObject({ status: 409, apiCode: 'ERR_ROLLOUT_TRANSITION' })
  })

  it('gives agents peer hints for what they fetch: same site first', async () => {
    const [asker, ...rest] = agents
    asker.download(v2.cid, 0, SIZE)
    await asker.beat()
    const hints = await asker.client.hints(v1.cid)
    expect(hints.peers).toHaveLength(5)
    expect(hints.peers.map((p) => p.kind)).toEqual(['same-site', 'same-site', 'same-region', 'same-region', 'same-region'])
    expect(hints.peers.every((p) => p.nodeId !== asker.nodeId && rest.some((a) => a.nodeId === p.nodeId))).toBe(true)
  })
})
