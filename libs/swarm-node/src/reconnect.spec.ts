import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { generatePublisherKey, type PublisherKey } from '@imgswarm/manifest'
import { SwarmNode, type SwarmNodeInit } from './swarm-node.js'
import { sha256File, tempDir, writeRandomFile } from './test/fixtures.js'

const MiB = 1024 * 1024

/** Polls `cond` until it holds (no deadline: Jest's test timeout is the bound). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await sleep(20)
}

describe('SwarmNode finding peers when the seed is full or sessions are lost (real libp2p, real level)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let key: PublisherKey
  const nodes: SwarmNode[] = []

  async function node(name: string, init: Partial<SwarmNodeInit> = {}): Promise<SwarmNode> {
    const n = await SwarmNode.create({ dataDir: join(dir.path, name), ...init })
    await n.start()
    nodes.push(n)
    return n
  }

  async function stopNode(n: SwarmNode): Promise<void> {
    nodes.splice(nodes.indexOf(n), 1)
    await n.stop()
  }

  beforeEach(async () => {
    dir = await tempDir()
    key = generatePublisherKey()
  })

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.stop()))
    await dir.remove()
  })

  it('refuses redial tunables that would stall or flood the node', async () => {
    await expect(SwarmNode.create({ dataDir: join(dir.path, 'bad-1'), redialMinMs: 0 })).rejects.toThrow(
      /redialMinMs must be a positive number/,
    )
    await expect(SwarmNode.create({ dataDir: join(dir.path, 'bad-2'), maxConcurrentDials: Number.NaN })).rejects.toThrow(
      /maxConcurrentDials/,
    )
    await expect(SwarmNode.create({ dataDir: join(dir.path, 'bad-3'), redialMinMs: 5_000, redialMaxMs: 1_000 })).rejects.toThrow(
      /redialMaxMs must be at least redialMinMs/,
    )
  })

  it('a seed capped at 2 sessions refers the agents it declines to its peers; 5 agents given only the seed all finish', async () => {
    const source = join(dir.path, 'image.bin')
    await writeRandomFile(source, 4 * MiB)
    const seed = await node('seed', { maxPeers: 2 })
    const published = await seed.publish(source, { name: 'sample', version: '1', key })
    const agents = await Promise.all([0, 1, 2, 3, 4].map((i) => node(`agent-${i}`)))

    const transfers = await Promise.all(
      agents.map(async (agent, i) => {
        expect(await agent.connect(seed.addrs())).toBe(1)
        const { manifest } = await agent.fetchManifest(published.cid, { trusted: [key.publicKey] })
        return agent.download(published.cid, manifest, { out: join(dir.path, `out-${i}.bin`) })
      }),
    )
    await Promise.all(transfers.map((t) => t.done))

    const expected = await sha256File(source)
    for (let i = 0; i < agents.length; i++) expect(await sha256File(join(dir.path, `out-${i}.bin`))).toBe(expected)
    // the cap was hit (at least 3 agents were turned away), and the seed never held more than 2
    expect(seed.sessionsDeclined()).toBeGreaterThanOrEqual(3)
    expect(seed.peerCount()).toBeLessThanOrEqual(2)
    // agents the seed declined got their bytes from other agents
    const fromPeers = transfers.reduce((sum, t) => sum + t.stats().bytesFromPeers, 0)
    expect(fromPeers).toBeGreaterThan(0)
    for (const t of transfers) expect(t.stats().chunksRejected).toBe(0)
  })

  it('an agent that lost its only source redials the address it was started with and finishes', async () => {
    const source = join(dir.path, 'image.bin')
    await writeRandomFile(source, 4 * MiB)
    // the first seed uploads slowly, so the agent is mid-transfer when the seed goes away
    const seed = await node('seed', { uploadRateBps: MiB / 2 })
    const published = await seed.publish(source, { name: 'sample', version: '1', key })
    const seedAddr = seed.addrs()[0]
    const port = Number(/\/tcp\/(\d+)/.exec(seedAddr)?.[1])
    const size = published.manifest.manifest.size

    const agent = await node('agent', { redialMinMs: 100, redialMaxMs: 500 })
    expect(await agent.connect([seedAddr])).toBe(1)
    const { manifest } = await agent.fetchManifest(published.cid, { trusted: [key.publicKey] })
    const transfer = await agent.download(published.cid, manifest, { out: join(dir.path, 'out.bin') })
    await until(() => transfer.progress().bytesDone > 0)

    await stopNode(seed)
    await until(() => agent.peerCount() === 0)
    const doneBeforeRestart = transfer.progress().bytesDone
    expect(doneBeforeRestart).toBeLessThan(size)
    const dialsBeforeRestart = agent.redialStats().dials

    // the seed comes back at the same address, with the same identity and data dir
    await node('seed', { listen: [`/ip4/127.0.0.1/tcp/${port}`] }).then((s) =>
      s.serveStored(published.cid, [key.publicKey]),
    )
    await transfer.done

    expect(await sha256File(join(dir.path, 'out.bin'))).toBe(await sha256File(source))
    expect(agent.redialStats().dials).toBeGreaterThan(dialsBeforeRestart)
    expect(transfer.stats().bytesFromSeeds).toBeGreaterThan(doneBeforeRestart)
  })
})
