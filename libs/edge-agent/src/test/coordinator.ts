// A real coordinator for this library's specs: HTTP on 127.0.0.1, level in a temp dir.
import { startCoordinator, type ImageSeeder, type RunningCoordinator } from '@imgswarm/coordinator'

export const ADMIN_TOKEN = 'admin-token-for-the-agent-specs-0123'
export const ENROLMENT_TOKEN = 'enrolment-token-for-the-agent-specs-0123'

export function startTestCoordinator(
  dataDir: string,
  trustedPublishers: string[],
  extra: { port?: number; seeder?: ImageSeeder; heartbeatIntervalMs?: number } = {},
): Promise<RunningCoordinator> {
  return startCoordinator({
    dataDir,
    port: extra.port ?? 0,
    host: '127.0.0.1',
    adminToken: ADMIN_TOKEN,
    enrolmentToken: ENROLMENT_TOKEN,
    trustedPublishers,
    heartbeatIntervalMs: extra.heartbeatIntervalMs ?? 150,
    heartbeatTimeoutMs: 10_000,
    tickIntervalMs: 500,
    seeder: extra.seeder,
    logger: false,
  })
}
