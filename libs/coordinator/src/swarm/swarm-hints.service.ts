import { Inject, Injectable } from '@nestjs/common'
import { NotFoundError } from '@imgswarm/core'
import { REGION_LABEL, SITE_LABEL, type HintsResponse, type PeerHint } from '@imgswarm/coordinator-client'
import type { CoordinatorConfig } from '../config/coordinator-config.js'
import type { ImageSeeder } from '../images/image-seeder.js'
import { ImagesRepository } from '../images/images.repository.js'
import { ImagesService } from '../images/images.service.js'
import type { NodeRecord } from '../nodes/node-record.js'
import { NodesRepository } from '../nodes/nodes.repository.js'
import { COORDINATOR_CONFIG, IMAGE_SEEDER } from '../tokens.js'
import { rankHints, type HintCandidate } from './hint-ranking.js'

/** Which peers an agent should fetch an image from: nearby nodes that have it or fetch it, then seeds. */
@Injectable()
export class SwarmHintsService {
  constructor(
    private readonly nodes: NodesRepository,
    private readonly images: ImagesRepository,
    private readonly imagesService: ImagesService,
    @Inject(IMAGE_SEEDER) private readonly seeder: ImageSeeder | null,
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
  ) {}

  async hints(manifestCid: string, requesterId: string | undefined, limit?: number): Promise<HintsResponse> {
    const image = await this.images.get(manifestCid)
    if (image === undefined) throw new NotFoundError(`no image is registered with manifest ${manifestCid}`)
    const all = await this.nodes.list()
    const requester = requesterId === undefined ? undefined : all.find((n) => n.id === requesterId)
    const candidates = all.flatMap((n) => {
      const c = n.id === requesterId ? undefined : candidate(n, manifestCid)
      return c === undefined ? [] : [c]
    })
    const peers = rankHints(candidates, {
      requesterLabels: requester?.labels,
      siteLabel: SITE_LABEL,
      regionLabel: REGION_LABEL,
      limit: Math.min(limit ?? this.config.maxHints, this.config.maxHints),
    })
    const seeds: PeerHint[] = []
    if (this.seeder !== null && this.imagesService.isSeeded(manifestCid)) {
      const info = this.seeder.info()
      seeds.push({ peerId: info.peerId, addrs: info.addrs, kind: 'seed', complete: true })
    }
    for (const s of image.seeds) {
      if (!seeds.some((x) => x.peerId === s.peerId)) seeds.push({ peerId: s.peerId, addrs: s.addrs, kind: 'seed', complete: true })
    }
    return { manifestCid, peers: [...peers, ...seeds] }
  }
}

/** A node is a hint for a manifest when it is alive, reachable, and has or fetches the manifest. */
function candidate(node: NodeRecord, cid: string): HintCandidate | undefined {
  const p = node.progress
  if (node.stale || p === undefined || node.peerId === undefined || node.addrs.length === 0) return undefined
  const complete = p.activeManifestCid === cid || p.previousManifestCid === cid || (p.manifestCid === cid && p.state === 'active')
  const fetching = p.manifestCid === cid && (p.state === 'downloading' || p.state === 'verifying')
  if (!complete && !fetching) return undefined
  return { nodeId: node.id, peerId: node.peerId, addrs: node.addrs, labels: node.labels, complete }
}
