import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { CHUNK_PROTOCOL } from '@imgswarm/wire'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { createHost } from './libp2p-host.js'
import { SwarmFixture, sha256File, until, writeRandomFile } from './test/fixtures.js'

const MiB = 1024 * 1024

describe('SwarmNode on loopback (real libp2p, real level)', () => {
  let fx: SwarmFixture

  beforeEach(async () => {
    fx = await SwarmFixture.create()
  })

  afterEach(() => fx.close())

  it('one seed and 5 agents fetch a 64 MiB image at once; agents trade chunks among themselves', async () => {
    const source = join(fx.dir, 'image.bin')
    await writeRandomFile(source, 64 * MiB)
    const seed = await fx.node('seed')
    const published = await seed.publish(source, { name: 'sample', version: '1', key: fx.key })
    const agents = await Promise.all([0, 1, 2, 3, 4].map((i) => fx.node(`agent-${i}`)))

    // each agent is given only the seed's address: peers come from peer exchange
    const { transfers, outputs } = await fx.fetchAll(agents, seed, published.cid)

    const expected = await sha256File(source)
    for (const out of outputs) expect(await sha256File(out)).toBe(expected)

    const size = published.manifest.manifest.size
    const seedUploaded = seed.uploadStats().bytesUploaded
    const fromPeers = transfers.reduce((sum, t) => sum + t.stats().bytesFromPeers, 0)
    const agentsUploaded = agents.reduce((sum, a) => sum + a.uploadStats().bytesUploaded, 0)
    // The seed sent clearly less than 5 copies: the rest moved between agents.
    expect(seedUploaded).toBeLessThan(3 * size)
    expect(fromPeers).toBeGreaterThan(size)
    expect(agentsUploaded).toBeGreaterThanOrEqual(fromPeers)
    for (const t of transfers) expect(t.stats().chunksRejected).toBe(0)
  })

  it('keeps one connection per peer: of two dialled at once, the redundant one is closed once idle', async () => {
    const source = join(fx.dir, 'image.bin')
    await writeRandomFile(source, 16 * MiB)
    const seed = await fx.node('seed')
    const published = await seed.publish(source, { name: 'sample', version: '1', key: fx.key })
    const agents = await Promise.all([0, 1, 2, 3].map((i) => fx.node(`agent-${i}`, { duplicateConnectionGraceMs: 200 })))

    // given only the seed, the agents learn of each other through peer exchange at about the same
    // moment and dial each other: pairs often end up with two connections, one each way
    const { outputs } = await fx.fetchAll(agents, seed, published.cid)
    const expected = await sha256File(source)
    for (const out of outputs) expect(await sha256File(out)).toBe(expected)
    const sessions = agents.map((a) => a.peerCount())

    await until(() => agents.every((a) => a.connectionStats().connections === a.connectionStats().peers))
    expect(agents.reduce((n, a) => n + a.connectionStats().duplicatesClosed, 0)).toBeGreaterThan(0) // 8-10 of 12 in 5 runs
    // every peer is still reached, and no session was lost with a closed connection
    for (const [i, a] of agents.entries()) {
      expect(a.connectionStats().peers).toBe(agents.length)
      expect(a.peerCount()).toBe(sessions[i])
    }
  })

  it('refuses chunks from a peer serving wrong bytes, bans it, and still assembles the image', async () => {
    const source = join(fx.dir, 'image.bin')
    await writeRandomFile(source, 16 * MiB)
    const seed = await fx.node('seed')
    const published = await seed.publish(source, { name: 'sample', version: '1', key: fx.key })
    const chunks = published.manifest.manifest.chunks

    // The liar fetched the image honestly, then its copy rotted on disk in every other chunk.
    const liar = await fx.node('liar')
    await liar.connect(seed.addrs())
    const liarOut = join(fx.dir, 'liar.bin')
    const { manifest } = await liar.fetchManifest(published.cid, { trusted: [fx.key.publicKey] })
    await (await liar.download(published.cid, manifest, { out: liarOut })).done
    const file = await open(liarOut, 'r+')
    for (let i = 0; i < chunks.length; i += 2) await file.write(Buffer.from('rotten bytes'), 0, 12, chunks[i].offset + 100)
    await file.close()

    const victim = await fx.node('victim')
    expect(await victim.connect([...liar.addrs(), ...seed.addrs()])).toBe(2)
    await victim.fetchManifest(published.cid, { trusted: [fx.key.publicKey] })
    const transfer = await victim.download(published.cid, manifest, { out: join(fx.dir, 'victim.bin') })
    await transfer.done

    expect(await sha256File(join(fx.dir, 'victim.bin'))).toBe(await sha256File(source))
    expect(transfer.stats().chunksRejected).toBeGreaterThanOrEqual(1)
    expect(transfer.stats().peersBanned).toBe(1)
    expect(victim.isBanned(liar.peerId)).toBe(true)
    expect(victim.isBanned(seed.peerId)).toBe(false)
  })

  it('disconnects a peer that sends an oversized or garbage frame and keeps serving others', async () => {
    const source = join(fx.dir, 'image.bin')
    await writeRandomFile(source, 4 * MiB)
    const seed = await fx.node('seed')
    const published = await seed.publish(source, { name: 'sample', version: '1', key: fx.key })

    const uncaught: unknown[] = []
    const onUncaught = (err: unknown): void => void uncaught.push(err)
    process.on('uncaughtException', onUncaught)
    const rogue = await createHost({ privateKey: await generateKeyPair('Ed25519') })
    await rogue.start()
    try {
      for (const payload of [
        Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]), // length prefix of ~4 GiB
        new Uint8Array(64).fill(0x42), // garbage
      ]) {
        const stream = await rogue.dialProtocol(multiaddr(seed.addrs()[0]), CHUNK_PROTOCOL)
        stream.send(payload)
        // the seed resets the stream: reading ends (cleanly or with an error), it never hangs
        await expect(
          (async () => {
            for await (const _ of stream) void _
          })().catch(() => 'reset'),
        ).resolves.toBeDefined()
      }
    } finally {
      await rogue.stop()
      process.off('uncaughtException', onUncaught)
    }
    expect(uncaught).toEqual([])

    // the seed still serves a well-behaved agent
    const agent = await fx.node('agent')
    await agent.connect(seed.addrs())
    const { manifest } = await agent.fetchManifest(published.cid, { trusted: [fx.key.publicKey] })
    await (await agent.download(published.cid, manifest, { out: join(fx.dir, 'out.bin') })).done
    expect(await sha256File(join(fx.dir, 'out.bin'))).toBe(await sha256File(source))
  })
})
