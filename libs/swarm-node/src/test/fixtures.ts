import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { generatePublisherKey, type PublisherKey } from '@imgswarm/manifest'
import type { ImageTransfer } from '../image-transfer.js'
import { SwarmNode, type SwarmNodeInit } from '../swarm-node.js'
export { sha256File, writeRandomFile } from '@imgswarm/test-support'

/** Polls `cond` until it holds (no deadline: Jest's test timeout is the bound). */
export async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await sleep(20)
}

/** A fresh temp dir and its removal. */
export async function tempDir(prefix = 'imgswarm-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}



/**
 * Real SwarmNodes (libp2p on loopback, level on disk) in a fresh temp dir, with a publisher key.
 * `close()` stops every node still running and removes the dir.
 */
export class SwarmFixture {
  readonly nodes: SwarmNode[] = []

  private constructor(
    /** The temp dir: node `name` keeps its data in `<dir>/<name>`. */
    readonly dir: string,
    readonly key: PublisherKey,
    private readonly removeDir: () => Promise<void>,
  ) {}

  static async create(): Promise<SwarmFixture> {
    const dir = await tempDir()
    return new SwarmFixture(dir.path, generatePublisherKey(), dir.remove)
  }

  /** A started node with its data in `<dir>/<name>`. */
  async node(name: string, init: Partial<SwarmNodeInit> = {}): Promise<SwarmNode> {
    const n = await SwarmNode.create({ dataDir: join(this.dir, name), ...init })
    await n.start()
    this.nodes.push(n)
    return n
  }

  async stopNode(n: SwarmNode): Promise<void> {
    this.nodes.splice(this.nodes.indexOf(n), 1)
    await n.stop()
  }

  /**
   * Every agent is given only `from`'s addresses (others come from peer exchange), fetches the
   * manifest `cid` trusting our key, and downloads into `<dir>/out-<i>.bin`; resolves once all
   * transfers are done, with their output paths.
   */
  async fetchAll(agents: readonly SwarmNode[], from: SwarmNode, cid: string): Promise<{ transfers: ImageTransfer[]; outputs: string[] }> {
    const outputs = agents.map((_, i) => join(this.dir, `out-${i}.bin`))
    const transfers = await Promise.all(
      agents.map(async (agent, i) => {
        if ((await agent.connect(from.addrs())) !== 1) throw new Error(`agent ${i} could not connect to ${from.peerId}`)
        const { manifest } = await agent.fetchManifest(cid, { trusted: [this.key.publicKey] })
        return agent.download(cid, manifest, { out: outputs[i] })
      }),
    )
    await Promise.all(transfers.map((t) => t.done))
    return { transfers, outputs }
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.splice(0).map((n) => n.stop()))
    await this.removeDir()
  }
}
