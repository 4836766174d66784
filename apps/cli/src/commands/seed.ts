import { resolve } from 'node:path'
import { Command } from 'commander'
import { loadOrCreatePublisherKey } from '@imgswarm/manifest'
import { SwarmNode } from '@imgswarm/swarm-node'
import { formatBytes } from '../format.js'
import { createLogger } from '../logger.js'
import { collect, parseLabel, parseRate } from '../options.js'
import { checkInputFile } from '../path-checks.js'
import { untilSignal } from '../signals.js'

interface SeedOptions {
  name: string
  version: string
  dataDir: string
  listen?: string[]
  announce?: string[]
  json?: boolean
  mdns?: boolean
  label?: Record<string, string>
  uploadRate?: number
  logFormat?: 'pretty' | 'json'
}

export function seedCommand(): Command {
  return new Command('seed')
    .description('publish an image: chunk it, sign its manifest, and serve it to the swarm until stopped')
    .argument('<file>', 'the image file to publish')
    .requiredOption('--name <name>', 'image name, e.g. win11-iot')
    .requiredOption('--version <version>', 'image version, e.g. 2026.11')
    .requiredOption('--data-dir <dir>', 'where the publisher key, node identity and metadata live')
    .option('--listen <multiaddr>', 'address to listen on (repeatable); default /ip4/127.0.0.1/tcp/0', collect)
    .option('--announce <multiaddr>', 'address to announce instead (repeatable)', collect)
    .option('--label <key=value>', 'node label such as site=plant-3 (repeatable)', parseLabel)
    .option('--upload-rate <rate>', 'cap upload bandwidth, e.g. 100mbit or 20MiB', parseRate)
    .option('--mdns', 'also announce on the LAN with mDNS')
    .option('--json', 'print one JSON line {manifest, publisher, addrs} once serving')
    .option('--log-format <format>', 'pretty or json', 'pretty')
    .action(async (file: string, opts: SeedOptions) => {
      await checkInputFile(file)
      const logger = createLogger({ format: opts.logFormat })
      const dataDir = resolve(opts.dataDir)
      const key = await loadOrCreatePublisherKey(dataDir)
      const node = await SwarmNode.create({
        dataDir,
        listen: opts.listen,
        announce: opts.announce,
        mdns: opts.mdns === true,
        labels: opts.label,
        uploadRateBps: opts.uploadRate,
        logger,
      })
      try {
        await node.start()
        logger.info(`chunking ${file}`)
        const published = await node.publish(resolve(file), { name: opts.name, version: opts.version, key })
        const line = { manifest: published.cid, publisher: key.publicKey, addrs: node.addrs() }
        if (opts.json === true) process.stdout.write(`${JSON.stringify(line)}\n`)
        logger.info(
          `serving ${opts.name} ${opts.version} (${formatBytes(published.manifest.manifest.size)}, ` +
            `${published.manifest.manifest.chunks.length} chunks) as ${published.cid} on ${node.addrs().join(' ')}`,
        )
        await untilSignal()
        logger.info('stopping')
      } finally {
        await node.stop()
      }
    })
}
