import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { SwarmNode } from './swarm-node.js'
import { SwarmFixture, sha256File, until, writeRandomFile } from './test/fixtures.js'

const MiB = 1024 * 1024

describe('SwarmNode finding peers when the seed is full or sessions are lost (real libp2p, real level)', () => {
  let fx: SwarmFixture

  beforeEach(async () => {
    fx = await SwarmFixture.create()
  })

  afterEach(() => fx.close())

  it('refuses redial tunables that would stall or flood the node', async () => {
    await expect(SwarmNode.create({ dataDir: join(fx.dir, 'bad-1'), redialMinMs: 0 })).rejects.toThrow(
      /redialMinMs must be a positive number/,
    )
    await expect(SwarmNode.create({ dataDir: join(fx.dir, 'bad-2'), maxConcurrentDials: Number.NaN })).rejects.toThrow(
      /maxConcurrentDials/,
    )
    await expect(SwarmNode.create({ dataDir: join(fx.dir, 'bad-3'), redialMinMs: 5_000, redialMaxMs: 1_000 })).rejects.toThrow(
      /redialMaxMs must be at least redialMinMs/,
    )
  })

  it('a seed capped at 2 sessions refers the agents it declines to its peers; 5 agents given only the seed all finish', async () => {
    const source = join(fx.dir, 'image.bin')
    await writeRandomFile(source, 4 * MiB)
    const seed = await fx.node('seed', { maxPeers: 2 })
    const published = await seed.publish(source, { name: 'sample', version: '1', key: fx.key })
    const agents = await Promise.all([0, 1, 2, 3, 4].map((i) => fx.node(`agent-${i}`)))

    const { transfers, outputs } = await fx.fetchAll(agents, seed, published.cid)

    const expected = await sha256File(source)
    for (const out of outputs) expect(await sha256File(out)).toBe(expected)
    // the cap was hit (at least 3 agents were turned away), and the seed never held more than 2
    expect(seed.sessionsDeclined()).toBeGreaterThanOrEqual(3)
    expect(seed.peerCount()).toBeLessThanOrEqual(2)
    // agents the seed declined got their bytes from other agents
    const fromPeers = transfers.reduce((sum, t) => sum + t.stats().bytesFromPeers, 0)
    expect(fromPeers).toBeGreaterThan(0)
    for (const t of transfers) expect(t.stats().chunksRejected).toBe(0)
  })

  it('an agent turned away by a full seed leaves it alone while it cools off, instead of asking every redial round', async () => {
    const source = join(fx.dir, 'image.bin')
    // one session, slow uplink: the first agent holds the seed's only slot for the whole test
    // (12 MiB take 48 s at the cap; the test needs about 15)
    await writeRandomFile(source, 12 * MiB)
    const seed = await fx.node('seed', { maxPeers: 1, uploadRateBps: MiB / 4 })
    const published = await seed.publish(source, { name: 'sample', version: '1', key: fx.key })
    const start = async (name: string, init: { declineCoolOffMs?: number } = {}): Promise<SwarmNode> => {
      const agent = await fx.node(name, init)
      expect(await agent.connect(seed.addrs())).toBe(1)
      const { manifest } = await agent.fetchManifest(published.cid, { trusted: [fx.key.publicKey] })
      const transfer = await agent.download(published.cid, manifest, { out: join(fx.dir, `${name}.bin`) })
      transfer.done.catch(() => {})
      return agent
    }
    const holder = await start('holder')
    await until(() => seed.peerCount() === 1)

    // turned away once, referred to the holder, fed by it (so its redial rounds come every 2 s)
    const patient = await start('patient')
    await until(() => patient.peerCount() >= 1)
    const afterFirst = seed.sessionsDeclined()
    await sleep(6_500)
    expect(seed.sessionsDeclined() - afterFirst).toBe(0)
    expect(patient.redialStats().rounds).toBeGreaterThanOrEqual(2) // it did want more peers meanwhile

    // the same with a cool-off too short to matter: every round asks the full seed again
    const eager = await start('eager', { declineCoolOffMs: 1 })
    await until(() => eager.peerCount() >= 1)
    const before = seed.sessionsDeclined()
    await sleep(6_500)
    expect(seed.sessionsDeclined() - before).toBeGreaterThanOrEqual(2)
    expect(holder.peerCount()).toBeGreaterThanOrEqual(1)
  }, 60_000)

  it('an agent that lost its only source redials the address it was started with and finishes', async () => {
    const source = join(fx.dir, 'image.bin')
    // The first seed uploads slowly, so the agent is mid-transfer when the seed goes away: 8 MiB
    // take 16 s at its cap (a 4 MiB image once arrived whole before the seed stopped, when the
    // cap still let a whole maximal chunk, 4 MiB, burst through).
    await writeRandomFile(source, 8 * MiB)
    const seed = await fx.node('seed', { uploadRateBps: MiB / 2 })
    const published = await seed.publish(source, { name: 'sample', version: '1', key: fx.key })
    const seedAddr = seed.addrs()[0]
    const port = Number(/\/tcp\/(\d+)/.exec(seedAddr)?.[1])
    const size = published.manifest.manifest.size

    const agent = await fx.node('agent', { redialMinMs: 100, redialMaxMs: 500 })
    expect(await agent.connect([seedAddr])).toBe(1)
    const { manifest } = await agent.fetchManifest(published.cid, { trusted: [fx.key.publicKey] })
    const transfer = await agent.download(published.cid, manifest, { out: join(fx.dir, 'out.bin') })
    await until(() => transfer.progress().bytesDone > 0)

    await fx.stopNode(seed)
    await until(() => agent.peerCount() === 0)
    const doneBeforeRestart = transfer.progress().bytesDone
    expect(doneBeforeRestart).toBeLessThan(size)
    const dialsBeforeRestart = agent.redialStats().dials

    // the seed comes back at the same address, with the same identity and data dir
    await fx.node('seed', { listen: [`/ip4/127.0.0.1/tcp/${port}`] }).then((s) =>
      s.serveStored(published.cid, [fx.key.publicKey]),
    )
    await transfer.done

    expect(await sha256File(join(fx.dir, 'out.bin'))).toBe(await sha256File(source))
    expect(agent.redialStats().dials).toBeGreaterThan(dialsBeforeRestart)
    expect(transfer.stats().bytesFromSeeds).toBeGreaterThan(doneBeforeRestart)
  })
})
