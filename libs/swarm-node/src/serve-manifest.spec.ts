import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { generatePublisherKey } from '@imgswarm/manifest'
import { buildManifest } from './publish.js'
import { SwarmFixture, sha256File, writeRandomFile } from './test/fixtures.js'

const MiB = 1024 * 1024

// The coordinator's embedded seed: the manifest is built and signed by `imgswarm publish`
// (another process), and the seed serves the same file under exactly that manifest.
describe('SwarmNode.serveManifest (real libp2p, real level)', () => {
  let fx: SwarmFixture

  beforeEach(async () => {
    fx = await SwarmFixture.create()
  })

  afterEach(() => fx.close())

  it('serves a file under a manifest signed elsewhere; an agent fetches identical bytes', async () => {
    const source = join(fx.dir, 'image.bin')
    await writeRandomFile(source, 8 * MiB)
    const built = await buildManifest(source, { name: 'sample', version: '1', key: fx.key })
    const seed = await fx.node('seed')
    await seed.serveManifest(built.cid, built.bytes, source, [fx.key.publicKey])
    await seed.serveManifest(built.cid, built.bytes, source, [fx.key.publicKey]) // idempotent

    const agent = await fx.node('agent')
    expect(await agent.connect(seed.addrs())).toBe(1)
    const { manifest } = await agent.fetchManifest(built.cid, { trusted: [fx.key.publicKey] })
    const out = join(fx.dir, 'out.bin')
    await (await agent.download(built.cid, manifest, { out })).done
    expect(await sha256File(out)).toBe(await sha256File(source))
    expect((await seed.store.image(built.cid))?.origin).toBe('seed')
  })

  it('refuses an untrusted manifest, a CID that does not match, and a file of the wrong size', async () => {
    const source = join(fx.dir, 'image.bin')
    await writeRandomFile(source, 2 * MiB)
    const built = await buildManifest(source, { name: 'sample', version: '1', key: fx.key })
    const other = await buildManifest(source, { name: 'sample', version: '2', key: fx.key })
    const seed = await fx.node('seed')

    await expect(seed.serveManifest(built.cid, built.bytes, source, [generatePublisherKey().publicKey])).rejects.toThrow(/trust/i)
    await expect(seed.serveManifest(other.cid, built.bytes, source, [fx.key.publicKey])).rejects.toThrow(/not the manifest asked for/)
    await truncate(source, 1 * MiB)
    await expect(seed.serveManifest(built.cid, built.bytes, source, [fx.key.publicKey])).rejects.toThrow(/bytes but manifest/)
    expect(await seed.store.image(built.cid)).toBeUndefined()
  })
})
