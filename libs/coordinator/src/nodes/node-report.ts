import type { NodeProgress } from '@imgswarm/coordinator-client'
import type { NodeReport } from '@imgswarm/rollout'

/** What rollouts need from a node's latest heartbeat. */
export function toNodeReport(progress: NodeProgress | undefined): NodeReport | undefined {
  if (progress === undefined) return undefined
  return {
    phase: progress.state,
    ...(progress.manifestCid === undefined ? {} : { manifestCid: progress.manifestCid }),
    ...(progress.activeManifestCid === undefined ? {} : { activeManifestCid: progress.activeManifestCid }),
    ...(progress.error === undefined ? {} : { error: progress.error }),
  }
}
