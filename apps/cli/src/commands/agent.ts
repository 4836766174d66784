import { resolve } from 'node:path'
import { Command, InvalidArgumentError, Option } from 'commander'
import { AgentStoppedError, EdgeAgent, startMetricsServer, type MetricsServer } from '@imgswarm/edge-agent'
import { createLogger } from '../logger.js'
import { collect, parseLabel, parseRate } from '../options.js'
import { untilSignal } from '../signals.js'

/** Environment variable the enrolment token may come from (keeps it out of `ps`). */
export const ENROLMENT_TOKEN_ENV = 'IMGSWARM_ENROLMENT_TOKEN'

interface AgentOptions {
  coordinator: string
  token?: string
  dataDir: string
  label?: Record<string, string>
  name?: string
  listen?: string[]
  announce?: string[]
  mdns?: boolean
  uploadRate?: number
  downloadRate?: number
  metricsPort?: number
  metricsHost: string
  verify: boolean
  json?: boolean
  logFormat?: 'pretty' | 'json'
}

export function agentCommand(): Command {
  return new Command('agent')
    .description(
      'run an edge agent: join the coordinator, fetch and activate the image it asks for (keeping the previous one ' +
        'for rollback), serve peers, report progress; runs until SIGINT/SIGTERM',
    )
    .requiredOption('--coordinator <url>', 'coordinator base URL, e.g. http://10.0.0.5:7700')
    .addOption(
      new Option('--token <token>', 'enrolment token, needed only for the first start (then the credential in --data-dir is used)').env(
        ENROLMENT_TOKEN_ENV,
      ),
    )
    .requiredOption('--data-dir <dir>', 'node identity, credential, metadata and images; <dir>/current links to the active image')
    .option('--label <key=value>', 'node label such as site=plant-3 or region=eu (repeatable)', parseLabel)
    .option('--name <name>', 'node name shown by the coordinator (default: the host name)')
    .option('--listen <multiaddr>', 'address to listen on (repeatable); default /ip4/127.0.0.1/tcp/0', collect)
    .option('--announce <multiaddr>', 'address to announce instead (repeatable)', collect)
    .option('--mdns', 'also find peers on the LAN with mDNS')
    .option('--upload-rate <rate>', 'cap upload bandwidth, e.g. 50mbit', parseRate)
    .option('--download-rate <rate>', 'cap download bandwidth, e.g. 200mbit', parseRate)
    .option('--metrics-port <port>', 'serve /healthz and /metrics on this port (0: any free port); default off', parsePort)
    .option('--metrics-host <host>', 'address for /healthz and /metrics', '127.0.0.1')
    .option('--no-verify', 'skip the whole-image check before activation (every chunk is still verified on arrival)')
    .option('--json', 'print one JSON line {nodeId, peerId, addrs, metrics, current} once running')
    .option('--log-format <format>', 'pretty or json', 'pretty')
    .action(async (opts: AgentOptions) => {
      const logger = createLogger({ format: opts.logFormat })
      const signalled = untilSignal()
      const agent = new EdgeAgent({
        coordinatorUrl: opts.coordinator,
        enrolmentToken: opts.token,
        dataDir: resolve(opts.dataDir),
        labels: opts.label,
        name: opts.name,
        listen: opts.listen,
        announce: opts.announce,
        mdns: opts.mdns === true,
        uploadRateBps: opts.uploadRate,
        downloadRateBps: opts.downloadRate,
        verifyBeforeActivate: opts.verify,
        processMetrics: true,
        logger,
      })
      let server: MetricsServer | undefined
      const stopping = signalled.then(async (signal) => {
        logger.info(`${signal}: stopping`)
        await agent.stop()
      })
      try {
        if (opts.metricsPort !== undefined) {
          server = await startMetricsServer({
            port: opts.metricsPort,
            host: opts.metricsHost,
            metrics: () => agent.metrics.text(),
            contentType: agent.metrics.contentType,
            health: () => {
              if (!agent.running) return { ok: false, state: 'starting' }
              const s = agent.status()
              return {
                ok: true,
                state: s.state,
                nodeId: s.nodeId,
                peerId: s.peerId,
                activeManifestCid: s.active?.manifestCid,
                previousManifestCid: s.previous?.manifestCid,
                coordinatorReachable: s.coordinator.reachable ?? null,
                ...(s.error === undefined ? {} : { error: s.error }),
              }
            },
          })
          logger.info(`health and metrics on ${server.url}/healthz and ${server.url}/metrics`)
        }
        try {
          await agent.start()
        } catch (err) {
          if (err instanceof AgentStoppedError) return // a signal during start-up
          throw err
        }
        if (opts.json === true) {
          const line = {
            nodeId: agent.nodeId,
            peerId: agent.peerId,
            addrs: agent.addrs(),
            metrics: server?.url ?? null,
            current: agent.currentPath,
          }
          process.stdout.write(`${JSON.stringify(line)}\n`)
        }
        await stopping
      } finally {
        await server?.close()
        await agent.stop()
      }
    })
}

function parsePort(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError(`expected a port number 0-65535, got "${value}"`)
  return n
}
