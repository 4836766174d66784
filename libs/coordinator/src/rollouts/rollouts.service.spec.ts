import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { NotFoundError } from '@imgswarm/core'
import { FailureThresholdError, NoMatchingNodesError, RolloutTransitionError, SelectorError, WaveSpecError } from '@imgswarm/rollout'
import type { SignedImage } from '../testing/fixtures.js'
import { enrolNodes, heartbeat, registerImage } from '../testing/fleet.js'
import { createTestingCoordinator, ManualClock, type TestingCoordinator } from '../testing/testing-coordinator.js'
import { FleetTicker } from '../nodes/fleet-ticker.js'
import { NodesService } from '../nodes/nodes.service.js'
import { RolloutsController } from './rollouts.controller.js'
import { RolloutsService } from './rollouts.service.js'

const SITES = [{ site: 'a' }, { site: 'a' }, { site: 'a' }, { site: 'b' }, { site: 'b' }, { site: 'b' }]

describe('RolloutsService', () => {
  let c: TestingCoordinator
  let rollouts: RolloutsService
  let v1: SignedImage
  let v2: SignedImage
  let ids: string[]

  beforeEach(async () => {
    c = await createTestingCoordinator({ clock: new ManualClock() })
    rollouts = c.moduleRef.get(RolloutsService)
    v1 = await registerImage(c.moduleRef, 'img', '1')
    v2 = await registerImage(c.moduleRef, 'img', '2')
    ids = await enrolNodes(c.moduleRef, SITES)
  })
  afterEach(async () => {
    await c.close()
  })

  it('validates everything before writing anything', async () => {
    const base = { image: 'img', version: '2', selector: 'site=a', waves: '50%,100%' }
    await expect(rollouts.create({ ...base, version: '9' })).rejects.toThrow(new NotFoundError('image img@9 is not registered'))
    await expect(rollouts.create({ ...base, selector: 'site=nowhere' })).rejects.toThrow(NoMatchingNodesError)
    await expect(rollouts.create({ ...base, selector: 'site' })).rejects.toThrow(SelectorError)
    await expect(rollouts.create({ ...base, waves: '50%,10%' })).rejects.toThrow(WaveSpecError)
    await expect(rollouts.create({ ...base, waves: '1,2' })).rejects.toThrow(/covers 2 nodes but the selector matches 3/)
    await expect(rollouts.create({ ...base, maxFailures: 'lots' })).rejects.toThrow(FailureThresholdError)
    expect(await rollouts.list()).toEqual([])
  })

  it('creates a running rollout whose first wave spans both sites, and tells only those nodes', async () => {
    const view = await c.moduleRef.get(RolloutsController).create({ image: 'img', version: '2', selector: '*', waves: '50%,100%', maxFailures: '1' })
    expect(view).toMatchObject({ id: 'r-1', status: 'running', currentWave: 0, total: 6, waveSpec: '50%,100%', maxFailures: '1', selector: '*' })
    expect(view.waves.map((w) => [w.size, w.status])).toEqual([
      [3, 'in-progress'],
      [3, 'waiting'],
    ])
    const firstSites = new Set(view.waves[0].nodeIds.map((id) => SITES[ids.indexOf(id)].site))
    expect(firstSites).toEqual(new Set(['a', 'b']))
    for (const id of view.waves[0].nodeIds) expect((await rollouts.desiredFor(id))?.image?.manifestCid).toBe(v2.cid)
    for (const id of view.waves[1].nodeIds) expect(await rollouts.desiredFor(id)).toBeUndefined()
    expect(await rollouts.list()).toHaveLength(1)
  })

  it('remembers what each node ran before, for rollback', async () => {
    await heartbeat(c.moduleRef, ids[0], { state: 'active', activeManifestCid: v1.cid })
    const view = await rollouts.create({ image: 'img', version: '2', selector: '*', waves: '100%' })
    const node0 = view.nodes.find((n) => n.nodeId === ids[0])
    expect(node0?.from).toEqual({ name: 'img', version: '1', manifestCid: v1.cid })
    expect(view.nodes.find((n) => n.nodeId === ids[1])?.from).toBeNull()
    const rolled = await rollouts.act(view.id, 'rollback')
    expect(rolled.status).toBe('rolled-back')
    expect(await rollouts.desiredFor(ids[0])).toEqual({ rolloutId: view.id, image: node0?.from, rollback: true })
  })

  it('catches up on the tick with reports stored but not yet reconciled (as after a crash)', async () => {
    const created = await rollouts.create({ image: 'img', version: '2', selector: '*', waves: '50%,100%' })
    const nodes = c.moduleRef.get(NodesService)
    for (const id of created.waves[0].nodeIds) await nodes.recordHeartbeat(id, { state: 'active', activeManifestCid: v2.cid })
    expect((await rollouts.get(created.id)).currentWave).toBe(0)
    await c.moduleRef.get(FleetTicker).tick()
    const after = await rollouts.get(created.id)
    expect(after.currentWave).toBe(1)
    expect(after.waves[0].counts.active).toBe(3)
  })

  it('pauses, resumes, aborts, and refuses what the status does not allow', async () => {
    const { id } = await rollouts.create({ image: 'img', version: '2', selector: '*', waves: '50%,100%' })
    expect((await rollouts.act(id, 'pause')).status).toBe('paused')
    await expect(rollouts.act(id, 'pause')).rejects.toThrow(RolloutTransitionError)
    expect((await rollouts.act(id, 'resume')).status).toBe('running')
    expect((await rollouts.act(id, 'abort')).status).toBe('aborted')
    await expect(rollouts.act(id, 'resume')).rejects.toThrow(/cannot resume rollout r-1: it is aborted/)
    await expect(rollouts.act('r-99', 'pause')).rejects.toThrow(NotFoundError)
    const events = (await rollouts.get(id)).events.map((e) => e.type)
    expect(events).toEqual(['created', 'started', 'wave-started', 'paused', 'resumed', 'aborted'])
  })
})
