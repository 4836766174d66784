/** Longest label key or value, in characters (as Kubernetes labels). */
export const MAX_LABEL_LENGTH = 63

/** Most labels one node may carry, and most terms one selector may hold. */
export const MAX_LABELS = 32

/** Most waves one rollout may have. */
export const MAX_WAVES = 100

/** Largest node count a wave spec or failure threshold may name. */
export const MAX_NODE_COUNT = 1_000_000

/** Events kept in a rollout's history (oldest dropped first), so its stored state stays bounded. */
export const DEFAULT_MAX_EVENTS = 500

/** Label that waves are spread across, so that each wave takes its share of every site. */
export const DEFAULT_SPREAD_LABEL = 'site'

/** Failure threshold when none is given: any failure halts the rollout. */
export const DEFAULT_MAX_FAILURES = '0'

/** Reason recorded when an agent reports a failure without saying why. */
export const UNKNOWN_FAILURE_REASON = 'the agent reported a failure without a reason'
