import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { NotFoundError } from '@imgswarm/core'
import { ImagesService } from '../images/images.service.js'
import { RecordingSeeder, signedImage } from '../testing/fixtures.js'
import { enrolNodes, heartbeat } from '../testing/fleet.js'
import { createTestingCoordinator, ManualClock, type TestingCoordinator } from '../testing/testing-coordinator.js'
import { FleetTicker } from '../nodes/fleet-ticker.js'
import { SwarmHintsService } from './swarm-hints.service.js'

describe('SwarmHintsService', () => {
  let c: TestingCoordinator
  let clock: ManualClock
  let seeder: RecordingSeeder

  beforeEach(async () => {
    clock = new ManualClock()
    seeder = new RecordingSeeder()
    c = await createTestingCoordinator({ clock, seeder })
  })
  afterEach(async () => {
    await c.close()
  })

  it('lists nodes having or fetching the image, nearest first, then the seeds', async () => {
    const img = signedImage('img', '1')
    await c.moduleRef.get(ImagesService).register({
      manifest: img.base64,
      sourcePath: '/srv/img',
      seeds: [{ peerId: '12D3KooWExternalSeed', addrs: ['/ip4/10.0.0.9/tcp/4001'] }],
    })
    const [me, sameSite, sameRegion, far, idle, gone] = await enrolNodes(c.moduleRef, [
      { site: 'a', region: 'eu' },
      { site: 'a', region: 'eu' },
      { site: 'b', region: 'eu' },
      { site: 'c', region: 'us' },
      { site: 'a', region: 'eu' },
      { site: 'a', region: 'eu' },
    ])
    await heartbeat(c.moduleRef, gone, { state: 'active', activeManifestCid: img.cid })
    clock.advance(c.config.heartbeatTimeoutMs + 1)
    await c.moduleRef.get(FleetTicker).tick() // `gone` is now stale
    await heartbeat(c.moduleRef, me, { state: 'downloading', manifestCid: img.cid })
    await heartbeat(c.moduleRef, sameSite, { state: 'downloading', manifestCid: img.cid })
    await heartbeat(c.moduleRef, sameRegion, { state: 'active', activeManifestCid: img.cid })
    await heartbeat(c.moduleRef, far, { state: 'idle', previousManifestCid: img.cid, activeManifestCid: 'bafyother' })
    await heartbeat(c.moduleRef, idle, { state: 'idle' })

    const hints = await c.moduleRef.get(SwarmHintsService).hints(img.cid, me)
    expect(hints.peers.map((p) => p.nodeId ?? p.peerId)).toEqual([sameSite, sameRegion, far, seeder.info().peerId, '12D3KooWExternalSeed'])
    expect(hints.peers.map((p) => p.kind)).toEqual(['same-site', 'same-region', 'other', 'seed', 'seed'])
    expect(hints.peers.map((p) => p.complete)).toEqual([false, true, true, true, true])
    expect(hints.peers[0]).toMatchObject({ peerId: '12D3KooWPeer1', addrs: ['/ip4/127.0.0.1/tcp/5001'], site: 'a', region: 'eu' })

    const bounded = await c.moduleRef.get(SwarmHintsService).hints(img.cid, me, 1)
    expect(bounded.peers.map((p) => p.kind)).toEqual(['same-site', 'seed', 'seed'])
  })

  it('refuses an unknown manifest', async () => {
    await expect(c.moduleRef.get(SwarmHintsService).hints('bafyunknown1', undefined)).rejects.toThrow(NotFoundError)
  })
})
