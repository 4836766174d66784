import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { mkdtemp, open, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { generatePublisherKey, type PublisherKey } from '@imgswarm/manifest'
import { SwarmNode, buildManifest, type PublishedImage } from '@imgswarm/swarm-node'
import { CoordinatorSeeder, SourceImageMismatchError } from './coordinator-seeder.js'

const MiB = 1024 * 1024
const silent = pino({ level: 'silent' })

// The coordinator's embedded seed on a real SwarmNode (real level store, libp2p on loopback).
describe('CoordinatorSeeder', () => {
  let dir: string
  let key: PublisherKey
  const nodes: SwarmNode[] = []

  async function seeder(trusted: string[] = [key.publicKey]): Promise<{ seeder: CoordinatorSeeder; node: SwarmNode }> {
    const node = await SwarmNode.create({ dataDir: join(dir, 'seed') })
    await node.start()
    nodes.push(node)
    return { seeder: new CoordinatorSeeder({ node, trusted, logger: silent }), node }
  }

  async function image(name: string, size: number, version = '1'): Promise<{ path: string; built: PublishedImage }> {
    const path = join(dir, name)
    await writeFile(path, randomBytes(size))
    return { path, built: await buildManifest(path, { name: 'img', version, key }) }
  }

  const seedImage = (built: PublishedImage, sourcePath?: string) => ({
    name: built.manifest.manifest.name,
    version: built.manifest.manifest.version,
    manifestCid: built.cid,
    manifestBytes: built.bytes,
    ...(sourcePath === undefined ? {} : { sourcePath }),
  })

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imgswarm-seeder-'))
    key = generatePublisherKey()
  })

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.stop()))
    await rm(dir, { recursive: true, force: true })
  })

  it('serves a registered image from its source file and tells where the seed is', async () => {
    const { path, built } = await image('a.img', 2 * MiB)
    const { seeder: s, node } = await seeder()
    await s.serve(seedImage(built, path))
    expect(s.info()).toEqual({ peerId: node.peerId, addrs: node.addrs() })
    expect(s.info().addrs[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3Koo/)
    expect(await node.store.image(built.cid)).toMatchObject({ origin: 'seed', state: 'complete', path })

    // an agent gets identical bytes from it
    const agent = await SwarmNode.create({ dataDir: join(dir, 'agent') })
    nodes.push(agent)
    await agent.start()
    await agent.connect(node.addrs())
    const { manifest } = await agent.fetchManifest(built.cid, { trusted: [key.publicKey] })
    const out = join(dir, 'out.img')
    await (await agent.download(built.cid, manifest, { out })).done
    expect((await readFile(out)).equals(await readFile(path))).toBe(true)
  })

  it('refuses a source file whose content differs from the manifest, naming the chunks', async () => {
    const { path, built } = await image('b.img', 2 * MiB)
    // one flipped byte in the middle, same size
    const file = await open(path, 'r+')
    const { buffer } = await file.read(Buffer.alloc(1), 0, 1, MiB)
    await file.write(Buffer.from([buffer[0] ^ 0xff]), 0, 1, MiB)
    await file.close()
    const { seeder: s, node } = await seeder()
    const refused = s.serve(seedImage(built, path))
    await expect(refused).rejects.toThrow(SourceImageMismatchError)
    await expect(refused).rejects.toThrow(/does not match manifest .*1 of \d+ chunks differ/)
    expect(await node.store.image(built.cid)).toBeUndefined()
  })

  it('after a restart trusts the file it served, but checks a replaced one again', async () => {
    const { path, built } = await image('c.img', 1 * MiB)
    const first = await seeder()
    await first.seeder.serve(seedImage(built, path))
    await first.node.stop()
    nodes.splice(nodes.indexOf(first.node), 1)

    // same file: served again at start-up without reading it all
    const second = await seeder()
    await second.seeder.serve(seedImage(built, path))
    await second.node.stop()
    nodes.splice(nodes.indexOf(second.node), 1)

    // a different file (new inode) of the same size at the same path is checked and refused
    await writeFile(`${path}.new`, randomBytes(1 * MiB))
    await rename(`${path}.new`, path)
    const third = await seeder()
    await expect(third.seeder.serve(seedImage(built, path))).rejects.toThrow(SourceImageMismatchError)
  })

  it('without a source file: serves a stored copy, or only the manifest; untrusted manifests are refused', async () => {
    const { built } = await image('d.img', 1 * MiB)
    const { seeder: s, node } = await seeder()
    await s.serve(seedImage(built))
    expect(await node.store.getManifest(built.cid)).toEqual(built.bytes)
    expect(await node.store.image(built.cid)).toBeUndefined()

    const other = await image('e.img', 1 * MiB, '2')
    const untrusting = new CoordinatorSeeder({ node, trusted: [generatePublisherKey().publicKey], logger: silent })
    await expect(untrusting.serve(seedImage(other.built))).rejects.toThrow(/not a trusted publisher/)
    await expect(untrusting.serve(seedImage(other.built, other.path))).rejects.toThrow(/not a trusted publisher/)

    // a copy the seed holds (served from a file before) is served again from its store
    await s.serve(seedImage(other.built, other.path))
    await node.stop()
    nodes.splice(nodes.indexOf(node), 1)
    const restarted = await seeder()
    await restarted.seeder.serve(seedImage(other.built))
    expect(await restarted.node.store.image(other.built.cid)).toMatchObject({ origin: 'seed', state: 'complete', path: other.path })
  })
})
