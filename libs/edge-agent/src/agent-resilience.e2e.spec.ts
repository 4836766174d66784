// The agent when things go wrong: a manifest whose bytes were tampered with on the way, and a
// coordinator that goes away in the middle of a fetch (with the agent restarted meanwhile).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { access } from 'node:fs/promises'
import type { Server } from 'node:http'
import { join } from 'node:path'
import type { RunningCoordinator } from '@imgswarm/coordinator'
import { CoordinatorClient } from '@imgswarm/coordinator-client'
import { generatePublisherKey, type PublisherKey } from '@imgswarm/manifest'
import { SwarmNode, type PublishedImage } from '@imgswarm/swarm-node'
import { EdgeAgent, type EdgeAgentInit } from './agent.js'
import { ADMIN_TOKEN, ENROLMENT_TOKEN, startTestCoordinator } from './test/coordinator.js'
import { eventually, sha256File, tempDir, writeRandomFile } from './test/fixtures.js'
import { SwarmNodeSeeder } from './test/swarm-seeder.js'

const MiB = 1024 * 1024

/**
 * Closes the coordinator without waiting for the agents' keep-alive connections: with heartbeats
 * every 150 ms a graceful HTTP close can wait for the server's 60 s headers timeout.
 */
async function closeNow(coordinator: RunningCoordinator): Promise<void> {
  const server = coordinator.app.getHttpServer() as Server
  const closing = coordinator.close()
  const timer = setInterval(() => server.closeAllConnections(), 50)
  try {
    await closing
  } finally {
    clearInterval(timer)
  }
}
const SIZE = 16 * MiB

describe('edge agent resilience (real coordinator, seed and agents on loopback)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let key: PublisherKey
  let seed: SwarmNode
  let coordinator: RunningCoordinator
  let admin: CoordinatorClient
  let image: PublishedImage & { sha: string }
  const agents: EdgeAgent[] = []

  const agentInit = (name: string, site: string, extra: Partial<EdgeAgentInit> = {}): EdgeAgentInit => ({
    coordinatorUrl: coordinator.url,
    enrolmentToken: ENROLMENT_TOKEN,
    dataDir: join(dir.path, name),
    name,
    labels: { site },
    retryMinMs: 50,
    retryMaxMs: 300,
    hintsIntervalMs: 300,
    failureRetryMs: 60_000,
    ...extra,
  })

  async function startAgent(init: EdgeAgentInit): Promise<EdgeAgent> {
    const agent = await EdgeAgent.start(init)
    agents.push(agent)
    return agent
  }

  const startCoordinator = (port?: number): Promise<RunningCoordinator> =>
    startTestCoordinator(join(dir.path, 'coordinator'), [key.publicKey], { port, seeder: new SwarmNodeSeeder(seed, [key.publicKey]) })

  beforeAll(async () => {
    dir = await tempDir()
    key = generatePublisherKey()
    seed = await SwarmNode.create({ dataDir: join(dir.path, 'seed') })
    await seed.start()
    coordinator = await startCoordinator()
    admin = new CoordinatorClient({ url: coordinator.url, token: ADMIN_TOKEN })
    const source = join(dir.path, 'sample.img')
    await writeRandomFile(source, SIZE)
    const published = await seed.publish(source, { name: 'sample', version: '1', key })
    await admin.registerImage({ manifest: Buffer.from(published.bytes).toString('base64') })
    image = { ...published, sha: await sha256File(source) }
  })

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()))
    await coordinator?.close()
    await seed?.stop()
    await dir.remove()
  })

  it('refuses a manifest whose bytes do not match its CID: failed with the reason, nothing fetched', async () => {
    // everything between agent and coordinator is honest except the manifest bytes
    const tampering: typeof fetch = async (input, options) => {
      const res = await fetch(input, options)
      if (!String(input).includes('/api/v1/manifests/')) return res
      const body = (await res.json()) as { manifest: string }
      const bytes = Buffer.from(body.manifest, 'base64')
      bytes[bytes.length - 1] ^= 0xff
      return new Response(JSON.stringify({ ...body, manifest: bytes.toString('base64') }), { status: 200, headers: res.headers })
    }
    const agent = await startAgent(agentInit('tampered', 'plant-t', { fetch: tampering }))
    const rollout = await admin.createRollout({ image: 'sample', version: '1', selector: 'site=plant-t', waves: '100%' })

    const halted = await eventually('the rollout halts', async () => {
      const r = await admin.getRollout(rollout.id)
      return r.status === 'halted' ? r : undefined
    })
    expect(agent.status()).toMatchObject({ state: 'failed', manifestCid: image.cid, totals: { fetches: 0, bytesDownloaded: 0, failures: 1 } })
    expect(agent.status().error).toMatch(/^fetching the manifest: .*/)
    expect(halted.failures[0].reason).toBe(agent.status().error)
    await expect(access(join(dir.path, 'tampered', 'images'))).rejects.toThrow(/ENOENT/)
    await expect(access(agent.currentPath)).rejects.toThrow(/ENOENT/)
  })

  it('fetches on from peers while the coordinator is down, even across its own restart, and reports when it returns', async () => {
    const init = agentInit('offline', 'plant-o', { downloadRateBps: 4 * MiB })
    const first = await startAgent(init)
    const rollout = await admin.createRollout({ image: 'sample', version: '1', selector: 'site=plant-o', waves: '100%' })
    await eventually('the fetch is under way', () => first.status().state === 'downloading' && first.status().progress.bytesDone > 2 * MiB)

    // the coordinator goes away, then the agent restarts too
    const port = Number(new URL(coordinator.url).port)
    await closeNow(coordinator)
    await first.stop()
    const restarted = await startAgent({ ...init, enrolmentToken: undefined })
    expect(restarted.nodeId).toBe(first.nodeId)

    await eventually('the image is active with the coordinator down', () => restarted.status().state === 'active')
    const s = restarted.status()
    expect(s.active?.manifestCid).toBe(image.cid)
    expect(s.coordinator.reachable).toBe(false)
    expect(s.coordinator.sent).toBe(0)
    expect(await sha256File(restarted.currentPath)).toBe(image.sha)
    // it resumed: what the first run had made durable was not fetched again (counted as verified
    // bytes: the endgame's duplicates, whose number depends on timing, are not part of the claim)
    expect(s.totals.bytesFromSeeds + s.totals.bytesFromPeers).toBeLessThan(SIZE)

    coordinator = await startCoordinator(port)
    const completed = await eventually('the rollout completes once the coordinator is back', async () => {
      const r = await admin.getRollout(rollout.id)
      return r.status === 'completed' ? r : undefined
    })
    expect(completed.nodes[0]).toMatchObject({ nodeId: restarted.nodeId, state: 'active' })
    expect(restarted.status().coordinator.reachable).toBe(true)
  })
})
