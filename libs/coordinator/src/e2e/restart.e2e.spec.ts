import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { CoordinatorClient } from '@imgswarm/coordinator-client'
import type { RunningCoordinator } from '../app/start-coordinator.js'
import { ADMIN_TOKEN, RecordingSeeder, signedImage, tempDir } from '../testing/fixtures.js'
import { beatAll, SimulatedAgent, startTestCoordinator } from './harness.js'

describe('a coordinator restarted mid-rollout on the same data dir', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let c: RunningCoordinator | undefined

  beforeAll(async () => {
    dir = await tempDir()
  })
  afterAll(async () => {
    await c?.close()
    await dir.remove()
  })

  it('keeps every node, image, credential and rollout, and the rollout carries on to completion', async () => {
    c = await startTestCoordinator(dir.path, { seeder: new RecordingSeeder() })
    let api = new CoordinatorClient({ url: c.url, token: ADMIN_TOKEN })
    const agents: SimulatedAgent[] = []
    for (let i = 0; i < 6; i++) agents.push(await SimulatedAgent.enrol(c.url, { site: i % 2 === 0 ? 'a' : 'b' }, i))
    const img = signedImage('img', '1')
    await api.registerImage({ manifest: img.base64, sourcePath: '/srv/img' })
    const created = await api.createRollout({ image: 'img', version: '1', selector: '*', waves: '2,4,100%', maxFailures: '1' })
    const byId = (id: string) => agents.find((a) => a.nodeId === id)!
    const [wave1, wave2, wave3] = created.waves.map((w) => w.nodeIds.map(byId))

    for (const a of wave1) a.activate(img.cid)
    await beatAll(agents)
    wave2[0].fail(img.cid, 'disk unplugged')
    wave2[1].download(img.cid, 100, 1000)
    await beatAll(wave2)
    const before = await api.getRollout(created.id)
    expect(before).toMatchObject({ status: 'running', currentWave: 1 })
    const nodesBefore = await api.listNodes()

    await c.close()
    const seeder = new RecordingSeeder()
    c = await startTestCoordinator(dir.path, { seeder })
    api = new CoordinatorClient({ url: c.url, token: ADMIN_TOKEN })
    for (const a of agents) a.reconnect(c.url)

    expect(await api.getRollout(created.id)).toEqual(before)
    expect(await api.listNodes()).toEqual(nodesBefore)
    expect(seeder.served.map((s) => s.manifestCid)).toEqual([img.cid])
    expect((await api.getImage('img', '1')).seededByCoordinator).toBe(true)

    // the same credentials still work, and the rollout goes on where it was
    await beatAll(wave3)
    for (const a of wave3) expect(a.last?.desired).toBeNull()
    wave2[1].activate(img.cid)
    await wave2[1].beat()
    let status = await api.getRollout(created.id)
    expect(status.currentWave).toBe(2)
    for (const a of wave3) a.activate(img.cid)
    await beatAll(wave3)
    status = await api.getRollout(created.id)
    expect(status).toMatchObject({ status: 'completed', counts: { active: 5, failed: 1 } })
    expect(status.failures).toEqual([{ nodeId: wave2[0].nodeId, wave: 1, reason: 'disk unplugged' }])
  })

  it('refuses to open a data dir another coordinator holds', async () => {
    await expect(startTestCoordinator(dir.path)).rejects.toThrow(/in use by another coordinator process/)
  })
})
