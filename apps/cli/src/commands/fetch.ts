import { resolve } from 'node:path'
import { Command } from 'commander'
import { NoPeersError, SwarmNode } from '@imgswarm/swarm-node'
import { formatBytes, formatDuration } from '../format.js'
import { createLogger } from '../logger.js'
import { collect, collectPublisherKey, parseLabel, parseManifestCidOption, parseRate, parseSeconds } from '../options.js'
import { checkOutputPath } from '../path-checks.js'
import { createProgressDisplay } from '../progress-display.js'
import { sleepUnlessSignalled } from '../signals.js'

interface FetchOptions {
  peer?: string[]
  manifest: string
  trust: string[]
  out: string
  dataDir: string
  linger: number
  listen?: string[]
  announce?: string[]
  label?: Record<string, string>
  mdns?: boolean
  json?: boolean
  uploadRate?: number
  downloadRate?: number
  logFormat?: 'pretty' | 'json'
}

export function fetchCommand(): Command {
  return new Command('fetch')
    .description('fetch an image from the swarm by its manifest CID, verifying every chunk; resumable')
    .option('--peer <multiaddr>', 'a peer to start from (repeatable)', collect)
    .requiredOption('--manifest <cid>', 'CID of the signed manifest to fetch', parseManifestCidOption)
    .requiredOption('--trust <key>', 'a trusted publisher key z6Mk… (repeatable)', collectPublisherKey)
    .requiredOption('--out <path>', 'where to write the image (written atomically)')
    .requiredOption('--data-dir <dir>', 'where the node identity and resume state live')
    .option('--linger <seconds>', 'keep serving peers this long after finishing', parseSeconds, 0)
    .option('--listen <multiaddr>', 'address to listen on (repeatable); default /ip4/127.0.0.1/tcp/0', collect)
    .option('--announce <multiaddr>', 'address to announce instead (repeatable)', collect)
    .option('--label <key=value>', 'node label such as site=plant-3 (repeatable)', parseLabel)
    .option('--upload-rate <rate>', 'cap upload bandwidth, e.g. 50mbit', parseRate)
    .option('--download-rate <rate>', 'cap download bandwidth, e.g. 200mbit', parseRate)
    .option('--mdns', 'find peers on the LAN with mDNS')
    .option('--json', 'print a final JSON line with the transfer counters')
    .option('--log-format <format>', 'pretty or json', 'pretty')
    .action(async (opts: FetchOptions) => {
      await checkOutputPath(opts.out)
      const logger = createLogger({ format: opts.logFormat })
      const started = Date.now()
      const node = await SwarmNode.create({
        dataDir: resolve(opts.dataDir),
        listen: opts.listen,
        announce: opts.announce,
        mdns: opts.mdns === true,
        labels: opts.label,
        uploadRateBps: opts.uploadRate,
        downloadRateBps: opts.downloadRate,
        logger,
      })
      try {
        await node.start()
        const peers = opts.peer ?? []
        const reachable = await node.connect(peers)
        if (peers.length > 0 && reachable === 0 && opts.mdns !== true) {
          // Said here, with the addresses: "no peer is connected" alone would not tell which ones failed.
          throw new NoPeersError(
            `could not reach any peer given with --peer (${peers.join(', ')}): check the addresses and that those nodes are running`,
          )
        }
        logger.info(`connected to ${reachable} of ${peers.length} peers; resolving manifest ${opts.manifest}`)
        const { manifest } = await node.fetchManifest(opts.manifest, { trusted: opts.trust })
        const image = manifest.manifest
        logger.info(`${image.name} ${image.version}: ${formatBytes(image.size)} in ${image.chunks.length} chunks`)

        const transferStarted = Date.now()
        const transfer = await node.download(opts.manifest, manifest, { out: resolve(opts.out) })
        const display = createProgressDisplay({ tty: process.stderr.isTTY === true, logger, label: image.name })
        const timer = setInterval(() => display.update(transfer.progress()), 200)
        try {
          await transfer.done
        } finally {
          clearInterval(timer)
          display.update(transfer.progress())
          display.stop()
        }
        const transferMs = Date.now() - transferStarted
        const stats = transfer.stats()
        const seconds = (Date.now() - started) / 1000
        logger.info(
          `wrote ${opts.out} (${formatBytes(image.size)}) in ${formatDuration(seconds)}: ` +
            `${stats.chunksAlreadyHad} chunks resumed, ${formatBytes(stats.bytesFromSeeds)} from seeds, ` +
            `${formatBytes(stats.bytesFromPeers)} from peers, ${stats.chunksRejected} bad chunks refused`,
        )
        if (opts.linger > 0) {
          logger.info(`lingering ${opts.linger}s to serve peers`)
          await sleepUnlessSignalled(opts.linger * 1000)
        }
        if (opts.json === true) {
          const final = { ...transfer.stats(), ...node.uploadStats(), manifest: opts.manifest, out: resolve(opts.out), transferMs, durationMs: Date.now() - started }
          process.stdout.write(`${JSON.stringify(final)}\n`)
        }
      } finally {
        await node.stop()
      }
    })
}
