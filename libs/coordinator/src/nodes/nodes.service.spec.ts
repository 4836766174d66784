import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { NotFoundError } from '@imgswarm/core'
import { SelectorError } from '@imgswarm/rollout'
import { FleetTicker } from './fleet-ticker.js'
import { NodesController } from './nodes.controller.js'
import { NodesService } from './nodes.service.js'
import { NodesRepository } from './nodes.repository.js'
import { registerImage } from '../testing/fleet.js'
import { createTestingCoordinator, ManualClock, type TestingCoordinator } from '../testing/testing-coordinator.js'
import { RolloutsService } from '../rollouts/rollouts.service.js'

describe('NodesService and NodesController', () => {
  let c: TestingCoordinator
  let clock: ManualClock
  let nodes: NodesService
  let controller: NodesController

  beforeEach(async () => {
    clock = new ManualClock()
    c = await createTestingCoordinator({ clock, options: { heartbeatIntervalMs: 1_000, heartbeatTimeoutMs: 10_000 } })
    nodes = c.moduleRef.get(NodesService)
    controller = c.moduleRef.get(NodesController)
  })
  afterEach(async () => {
    await c.close()
  })

  it('enrols a node: id, a credential stored only as a hash, the trusted keys and the heartbeat interval', async () => {
    const enrolled = await controller.enrol({ name: 'hmi-07', labels: { site: 'plant-3', region: 'eu' } })
    expect(enrolled.heartbeatIntervalMs).toBe(1_000)
    expect(enrolled.trustedPublishers).toEqual(c.config.trustedPublishers)
    const stored = await c.moduleRef.get(NodesRepository).get(enrolled.nodeId)
    expect(stored?.credentialHash).toMatch(/^[0-9a-f]{64}$/)
    expect(JSON.stringify(stored)).not.toContain(enrolled.credential.split('.')[1])
    expect(await controller.get(enrolled.nodeId)).toMatchObject({ name: 'hmi-07', labels: { region: 'eu', site: 'plant-3' }, stale: false, desired: null })
    await expect(controller.enrol({ labels: { 'bad key': 'x' } })).rejects.toThrow(SelectorError)
    await expect(controller.get('node-unknown')).rejects.toThrow(NotFoundError)
  })

  it('records heartbeats and updates, and marks silent nodes stale (not failed) until they return', async () => {
    const { nodeId } = await nodes.enrol({ labels: { site: 'a' } })
    const answer = await controller.heartbeat(nodeId, { state: 'downloading', manifestCid: 'bafyimage1', bytesDone: 10, bytesTotal: 100, rate: 5, peers: 2 })
    expect(answer).toMatchObject({ nodeId, desired: null, rolloutId: null, rollback: false, heartbeatIntervalMs: 1_000 })
    await controller.update(nodeId, { peerId: '12D3KooWx', addrs: ['/ip4/127.0.0.1/tcp/9'], labels: { site: 'b' } })
    let view = await nodes.get(nodeId)
    expect(view).toMatchObject({ peerId: '12D3KooWx', labels: { site: 'b' }, progress: { state: 'downloading', bytesDone: 10, peers: 2 } })

    clock.advance(10_001)
    await c.moduleRef.get(FleetTicker).tick()
    view = await nodes.get(nodeId)
    expect(view.stale).toBe(true)
    expect(view.progress?.state).toBe('downloading')

    await controller.heartbeat(nodeId, { state: 'idle' })
    expect((await nodes.get(nodeId)).stale).toBe(false)
  })

  it('answers heartbeats with the image the newest rollout wants', async () => {
    const img = await registerImage(c.moduleRef, 'img', '1')
    const { nodeId } = await nodes.enrol({ labels: { site: 'a' } })
    const rollout = await c.moduleRef.get(RolloutsService).create({ image: 'img', version: '1', selector: 'site=a', waves: '100%' })
    const answer = await controller.heartbeat(nodeId, { state: 'idle' })
    expect(answer).toMatchObject({ desired: { name: 'img', version: '1', manifestCid: img.cid }, rolloutId: rollout.id, rollback: false })
    await controller.heartbeat(nodeId, { state: 'active', manifestCid: img.cid, activeManifestCid: img.cid })
    expect((await c.moduleRef.get(RolloutsService).get(rollout.id)).status).toBe('completed')
  })
})
