import { join, resolve } from 'node:path'
import { Command, InvalidArgumentError, Option } from 'commander'
import { loadOrCreatePublisherKey } from '@imgswarm/manifest'
import { SwarmNode } from '@imgswarm/swarm-node'
import { ADMIN_TOKEN_ENV, ENROLMENT_TOKEN_ENV } from '../admin-client.js'
import { createLogger } from '../logger.js'
import { collect, parseRate } from '../options.js'
import { untilSignal } from '../signals.js'

// The same as @imgswarm/coordinator's defaults (a spec checks): that library (NestJS) is only
// loaded when the coordinator really starts, not for every other command of the CLI.
export const DEFAULT_PORT = 7700
export const DEFAULT_HOST = '127.0.0.1'

/** Subdirectory of the coordinator's data dir holding the embedded seed (identity, store). */
export const SEED_DIR_NAME = 'seed'

interface CoordinatorCommandOptions {
  dataDir: string
  port: number
  host: string
  adminToken?: string
  enrolmentToken?: string
  trust?: string[]
  trustOwnKey: boolean
  listen?: string[]
  announce?: string[]
  mdns?: boolean
  uploadRate?: number
  heartbeatInterval?: number
  heartbeatTimeout?: number
  tickInterval?: number
  json?: boolean
  logFormat?: 'pretty' | 'json'
}

export function coordinatorCommand(): Command {
  return new Command('coordinator')
    .description(
      'run the coordinator: REST API (images, nodes, rollouts, status), level store and an embedded seed, all in --data-dir',
    )
    .requiredOption('--data-dir <dir>', 'state: coordinator-db/ (level), seed/ (embedded seed), publisher-key.pem')
    .option('--port <port>', 'HTTP port (0: any free port)', parsePort, DEFAULT_PORT)
    .option('--host <host>', 'HTTP address to bind (0.0.0.0 to serve other machines)', DEFAULT_HOST)
    .addOption(new Option('--admin-token <token>', 'bearer token for operators (>= 16 chars)').env(ADMIN_TOKEN_ENV))
    .addOption(new Option('--enrolment-token <token>', 'bearer token agents enrol with (>= 16 chars)').env(ENROLMENT_TOKEN_ENV))
    .option('--trust <key>', 'also accept images signed by this publisher key z6Mk… (repeatable)', collect)
    .option('--no-trust-own-key', "do not trust the publisher key in --data-dir (then give --trust)")
    .option('--listen <multiaddr>', 'seed address to listen on (repeatable); default /ip4/127.0.0.1/tcp/0', collect)
    .option('--announce <multiaddr>', 'seed address to announce instead (repeatable)', collect)
    .option('--mdns', 'announce the seed on the LAN with mDNS')
    .option('--upload-rate <rate>', 'cap the seed upload bandwidth, e.g. 500mbit', parseRate)
    .option('--heartbeat-interval <ms>', 'how often agents report (default 5000)', parseMilliseconds)
    .option('--heartbeat-timeout <ms>', 'silence after which a node is shown stale (default 30000)', parseMilliseconds)
    .option('--tick-interval <ms>', 'how often rollouts are reconciled besides on heartbeats (default 5000)', parseMilliseconds)
    .option('--json', 'print one JSON line {url, peerId, addrs, publisher} once serving')
    .option('--log-format <format>', 'pretty or json', 'pretty')
    .action(async (opts: CoordinatorCommandOptions) => {
      const { resolveConfig, startCoordinator } = await import('@imgswarm/coordinator')
      const { CoordinatorSeeder } = await import('../coordinator-seeder.js')
      const { nestLogger } = await import('../nest-logger.js')
      const logger = createLogger({ format: opts.logFormat })
      const dataDir = resolve(opts.dataDir)
      const key = await loadOrCreatePublisherKey(dataDir)
      const options = {
        dataDir,
        port: opts.port,
        host: opts.host,
        adminToken: opts.adminToken ?? '',
        enrolmentToken: opts.enrolmentToken ?? '',
        trustedPublishers: [...(opts.trustOwnKey ? [key.publicKey] : []), ...(opts.trust ?? [])],
        heartbeatIntervalMs: opts.heartbeatInterval,
        heartbeatTimeoutMs: opts.heartbeatTimeout,
        tickIntervalMs: opts.tickInterval,
      }
      // every configuration problem at once, before the seed node is started
      const { trustedPublishers: trusted } = resolveConfig(options)
      const node = await SwarmNode.create({
        dataDir: join(dataDir, SEED_DIR_NAME),
        listen: opts.listen,
        announce: opts.announce,
        mdns: opts.mdns === true,
        labels: { role: 'seed' },
        uploadRateBps: opts.uploadRate,
        logger: logger.child({ component: 'seed' }),
      })
      try {
        await node.start()
        const coordinator = await startCoordinator({
          ...options,
          seeder: new CoordinatorSeeder({ node, trusted, logger }),
          logger: nestLogger(logger),
        })
        try {
          const line = { url: coordinator.url, peerId: node.peerId, addrs: node.addrs(), publisher: key.publicKey }
          if (opts.json === true) process.stdout.write(`${JSON.stringify(line)}\n`)
          logger.info(`coordinator on ${coordinator.url} (API docs ${coordinator.url}/api/docs)`)
          logger.info(`embedded seed ${node.peerId} on ${node.addrs().join(' ')}`)
          logger.info(`trusted publishers: ${coordinator.config.trustedPublishers.join(', ')}`)
          const signal = await untilSignal()
          logger.info(`${signal}: stopping`)
        } finally {
          await coordinator.close()
        }
      } finally {
        await node.stop()
      }
    })
}

function parsePort(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError(`expected a port number 0-65535, got "${value}"`)
  return n
}

function parseMilliseconds(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 10) throw new InvalidArgumentError(`expected a whole number of milliseconds >= 10, got "${value}"`)
  return n
}
