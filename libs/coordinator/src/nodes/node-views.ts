import type { NodeView } from '@imgswarm/coordinator-client'
import type { DesiredImage } from '@imgswarm/rollout'
import type { NodeRecord } from './node-record.js'

export function toNodeView(record: NodeRecord, desired: DesiredImage | undefined): NodeView {
  return {
    id: record.id,
    ...(record.name === undefined ? {} : { name: record.name }),
    labels: record.labels,
    ...(record.peerId === undefined ? {} : { peerId: record.peerId }),
    addrs: record.addrs,
    enrolledAt: record.enrolledAt,
    ...(record.lastHeartbeatAt === undefined ? {} : { lastHeartbeatAt: record.lastHeartbeatAt }),
    stale: record.stale,
    ...(record.progress === undefined ? {} : { progress: record.progress }),
    desired: desired?.image ?? null,
  }
}
