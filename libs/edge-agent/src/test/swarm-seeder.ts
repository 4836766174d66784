// A coordinator seed port (`ImageSeeder`) on a SwarmNode, for tests. The real one belongs next to
// the CLI's `coordinator` command; this one shows the shape: serve an image the node published or
// stored, or serve a file at `sourcePath` under a manifest registered elsewhere.
import type { ImageSeeder, SeedImage, SeederInfo } from '@imgswarm/coordinator'
import { decodeSignedManifest } from '@imgswarm/manifest'
import type { SwarmNode } from '@imgswarm/swarm-node'

export class SwarmNodeSeeder implements ImageSeeder {
  constructor(
    private readonly node: SwarmNode,
    private readonly trusted: readonly string[],
  ) {}

  async serve(image: SeedImage): Promise<void> {
    const record = await this.node.store.image(image.manifestCid)
    if (record?.state !== 'complete') {
      if (image.sourcePath === undefined) throw new Error(`no copy of ${image.name} ${image.version} here and no sourcePath to serve it from`)
      // record the file as a seed of this manifest, then serve it like any stored image
      await this.node.store.putManifest(image.manifestCid, image.manifestBytes)
      const source = await this.node.store.openSeed(image.manifestCid, decodeSignedManifest(image.manifestBytes).manifest, image.sourcePath)
      await source.close()
    }
    await this.node.serveStored(image.manifestCid, this.trusted)
  }

  info(): SeederInfo {
    return { peerId: this.node.peerId, addrs: this.node.addrs() }
  }
}
