// Helpers to populate a testing coordinator with images and enrolled nodes.
import type { TestingModule } from '@nestjs/testing'
import type { HeartbeatRequest } from '@imgswarm/coordinator-client'
import { ImagesService } from '../images/images.service.js'
import { HeartbeatService } from '../nodes/heartbeat.service.js'
import { NodesService } from '../nodes/nodes.service.js'
import { signedImage, type SignedImage } from './fixtures.js'

export async function registerImage(moduleRef: TestingModule, name: string, version: string): Promise<SignedImage> {
  const img = signedImage(name, version)
  await moduleRef.get(ImagesService).register({ manifest: img.base64 })
  return img
}

/** Enrols one node per label set; returns their ids in the same order. */
export async function enrolNodes(moduleRef: TestingModule, labelSets: Array<Record<string, string>>): Promise<string[]> {
  const nodes = moduleRef.get(NodesService)
  const ids: string[] = []
  for (const [i, labels] of labelSets.entries()) {
    const { nodeId } = await nodes.enrol({ labels, peerId: `12D3KooWPeer${i}`, addrs: [`/ip4/127.0.0.1/tcp/${5000 + i}`] })
    ids.push(nodeId)
  }
  return ids
}

export function heartbeat(moduleRef: TestingModule, nodeId: string, body: HeartbeatRequest) {
  return moduleRef.get(HeartbeatService).handle(nodeId, body)
}
