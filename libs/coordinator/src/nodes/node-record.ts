import type { NodeProgress } from '@imgswarm/coordinator-client'

/** An enrolled node, as stored (key: node id). */
export interface NodeRecord {
  id: string
  name?: string
  labels: Record<string, string>
  peerId?: string
  addrs: string[]
  /** sha256 of the credential's secret part, hex: the credential itself is never stored. */
  credentialHash: string
  enrolledAt: string
  updatedAt: string
  lastHeartbeatAt?: string
  stale: boolean
  progress?: NodeProgress
}
