/** Every REST endpoint lives under this prefix (health, metrics and docs sit outside it). */
export const API_PREFIX = '/api/v1'

/** Default time a request may take before the client gives up on it. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000

/** Label keys the coordinator reads for locality (peer hints) and wave spreading. */
export const SITE_LABEL = 'site'
export const REGION_LABEL = 'region'
