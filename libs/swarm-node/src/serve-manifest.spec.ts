import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { generatePublisherKey, type PublisherKey } from '@imgswarm/manifest'
import { buildManifest } from './publish.js'
import { SwarmNode } from './swarm-node.js'
import { sha256File, tempDir, writeRandomFile } from './test/fixtures.js'

const MiB = 1024 * 1024

// The coordinator's embedded seed: the manifest is built and signed by `imgswarm publish`
// (another process), and the seed serves the same file under exactly that manifest.
describe('SwarmNode.serveManifest (real libp2p, real level)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let key: PublisherKey
  const nodes: SwarmNode[] = []

  async function node(name: string): Promise<SwarmNode> {
    const n = await SwarmNode.create({ dataDir: join(dir.path, name) })
    await n.start()
    nodes.push(n)
    return n
  }

  beforeEach(async () => {
    dir = await tempDir()
    key = generatePublisherKey()
  })

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.stop()))
    await dir.remove()
  })

  it('serves a file under a manifest signed elsewhere; an agent fetches identical bytes', async () => {
    const source = join(dir.path, 'image.bin')
    await writeRandomFile(source, 8 * MiB)
    const built = await buildManifest(source, { name: 'sample', version: '1', key })
    const seed = await node('seed')
    await seed.serveManifest(built.cid, built.bytes, source, [key.publicKey])
    await seed.serveManifest(built.cid, built.bytes, source, [key.publicKey]) // idempotent

    const agent = await node('agent')
    expect(await agent.connect(seed.addrs())).toBe(1)
    const { manifest } = await agent.fetchManifest(built.cid, { trusted: [key.publicKey] })
    const out = join(dir.path, 'out.bin')
    await (await agent.download(built.cid, manifest, { out })).done
    expect(await sha256File(out)).toBe(await sha256File(source))
    expect((await seed.store.image(built.cid))?.origin).toBe('seed')
  })

  it('refuses an untrusted manifest, a CID that does not match, and a file of the wrong size', async () => {
    const source = join(dir.path, 'image.bin')
    await writeRandomFile(source, 2 * MiB)
    const built = await buildManifest(source, { name: 'sample', version: '1', key })
    const other = await buildManifest(source, { name: 'sample', version: '2', key })
    const seed = await node('seed')

    await expect(seed.serveManifest(built.cid, built.bytes, source, [generatePublisherKey().publicKey])).rejects.toThrow(/trust/i)
    await expect(seed.serveManifest(other.cid, built.bytes, source, [key.publicKey])).rejects.toThrow(/not the manifest asked for/)
    await truncate(source, 1 * MiB)
    await expect(seed.serveManifest(built.cid, built.bytes, source, [key.publicKey])).rejects.toThrow(/bytes but manifest/)
    expect(await seed.store.image(built.cid)).toBeUndefined()
  })
})
