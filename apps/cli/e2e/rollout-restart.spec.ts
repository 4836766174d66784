import { afterAll, afterEach, describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import type { RolloutView } from '@imgswarm/coordinator-client'
import { CliProcesses } from './support/cli-process.js'
import { followRollout, freePort, publish, startAgent, startCoordinator } from './support/rollout-fleet.js'
import { MiB, TempDirs, sha256File, writeRandomFile } from './support/temp-files.js'

// kill -9 of a real coordinator process in the middle of a rollout: started again on the same
// data dir and port, it has lost nothing and the rollout carries on to completion.

describe('coordinator killed mid-rollout (real processes)', () => {
  const procs = new CliProcesses()
  const temps = new TempDirs()

  afterEach(async () => {
    await procs.killAll()
  })

  afterAll(async () => {
    await procs.killAll()
    await temps.removeAll()
  })

  it('restarts on the same data dir and port with its state intact, and the rollout completes', async () => {
    const root = await temps.make()
    const dataDir = join(root, 'coordinator')
    const source = join(root, 'image.bin')
    await writeRandomFile(source, 8 * MiB)
    // a fixed seed port, as a deployment has: agents find the restarted seed where it was
    const seedPort = await freePort()
    const first = await startCoordinator(procs, dataDir, { seedPort })
    const sites = ['plant-1', 'plant-2']
    const [agents, image] = await Promise.all([
      Promise.all(
        // slow downloads, so that the kill lands while wave 1 is fetching
        sites.map((site, i) => startAgent(procs, first.url, { name: `restart-${i + 1}`, site, dataDir: join(root, `agent-${i + 1}`), downloadRate: '2MiB' })),
      ),
      publish(procs, first, source, 'restart-1'),
    ])
    const created = await first.admin.createRollout({ image: 'e2e-image', version: 'restart-1', selector: '*', waves: '50%,100%' })
    const fetching = await followRollout(first.admin, created.id, (v) =>
      v.nodes.some((n) => n.wave === 0 && n.state === 'downloading' && n.bytesDone > 0 && n.bytesDone < n.bytesTotal),
    )
    expect(fetching.waves[1].status).toBe('waiting')

    const killed = await first.proc.stop('SIGKILL')
    expect(killed.signal).toBe('SIGKILL')
    const second = await startCoordinator(procs, dataDir, { port: first.port, seedPort })
    expect(second.url).toBe(first.url)
    expect(second.peerId).toBe(first.peerId)

    // state intact: the same image, nodes, rollout and wave assignment
    expect((await second.admin.listImages()).map((i) => i.manifestCid)).toEqual([image.manifestCid])
    expect((await second.admin.listNodes()).map((n) => n.id).sort()).toEqual(agents.map((a) => a.nodeId).sort())
    const resumed = await second.admin.getRollout(created.id)
    expect(resumed.createdAt).toBe(created.createdAt)
    expect(resumed.waves.map((w) => w.nodeIds)).toEqual(created.waves.map((w) => w.nodeIds))
    expect(['running', 'completed']).toContain(resumed.status)

    const seen: RolloutView[] = []
    const final = await followRollout(second.admin, created.id, (v) => ['completed', 'halted', 'aborted'].includes(v.status), seen, 120_000)
    expect(final.status).toBe('completed')
    expect(final.nodes.map((n) => n.state)).toEqual(['active', 'active'])
    expect(final.waves[1].startedAt! >= final.waves[0].settledAt!).toBe(true)
    expect(final.events.filter((e) => e.type === 'wave-started').map((e) => e.wave)).toEqual([0, 1])
    expect(await second.admin.listRollouts()).toHaveLength(1)
    const expected = await sha256File(source)
    for (const agent of agents) expect({ agent: agent.name, sha256: await sha256File(agent.current) }).toEqual({ agent: agent.name, sha256: expected })
  }, 180_000)
})
