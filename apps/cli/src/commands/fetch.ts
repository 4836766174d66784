import { resolve } from 'node:path'
import type { Readable } from 'node:stream'
import { Command } from 'commander'
import { InvalidInputError } from '@imgswarm/core'
import { NoPeersError, SwarmNode } from '@imgswarm/swarm-node'
import { formatBytes, formatDuration } from '../format.js'
import { createLogger } from '../logger.js'
import { collect, collectPublisherKey, parseLabel, parseManifestCidOption, parseRate, parseSeconds } from '../options.js'
import { checkOutputPath } from '../path-checks.js'
import { createProgressDisplay } from '../progress-display.js'
import { StallWatch } from '../stall-watch.js'
import { sleepUnlessSignalled } from '../signals.js'

/** How long `fetch` keeps retrying --peer addresses it could not reach (seconds), unless --connect-within says. */
export const DEFAULT_CONNECT_WITHIN_S = 10
/** First pause between dial rounds; it doubles up to the maximum below. */
export const DEFAULT_DIAL_BACKOFF_MS = 500
/** Longest pause between dial rounds. */
export const DEFAULT_DIAL_BACKOFF_MAX_MS = 5_000

/** The line `--wait-for-start` prints on stdout once the fetch is ready to start. */
export const READY_EVENT = { event: 'ready' } as const

/** How long a fetch waits without any chunk arriving before it gives up (seconds). */
export const DEFAULT_STALL_TIMEOUT_S = 300

interface FetchOptions {
  stallTimeout: number
  peer?: string[]
  manifest: string
  trust: string[]
  out: string
  dataDir: string
  linger: number
  connectWithin: number
  waitForStart?: boolean
  listen?: string[]
  announce?: string[]
  label?: Record<string, string>
  mdns?: boolean
  json?: boolean
  uploadRate?: number
  downloadRate?: number
  logFormat?: 'pretty' | 'json'
}

/** The part of a node that dials (a `SwarmNode`; injectable for tests). */
export interface Dialer {
  /** Dials the addresses; resolves to how many answered. */
  connect(addrs: readonly string[]): Promise<number>
}

export interface DialRetryInit {
  /** Stop starting new dial rounds after this long (a round in progress still ends by its own timeout). */
  withinMs: number
  backoffMs?: number
  backoffMaxMs?: number
  /** Told before each pause, with the addresses still unreached. */
  onRetry?: (unreached: readonly string[], pauseMs: number) => void
}

/**
 * Dials every address, then keeps redialling the ones that did not answer, with a doubling pause,
 * until all answered or `withinMs` has passed: a peer that is still starting, or a machine too
 * loaded to finish a handshake within one dial timeout, does not end the fetch. Resolves to how
 * many addresses answered.
 */
export async function connectWithRetry(node: Dialer, addrs: readonly string[], init: DialRetryInit): Promise<number> {
  const deadline = Date.now() + init.withinMs
  let pauseMs = init.backoffMs ?? DEFAULT_DIAL_BACKOFF_MS
  const maxPauseMs = init.backoffMaxMs ?? DEFAULT_DIAL_BACKOFF_MAX_MS
  let unreached = [...new Set(addrs)]
  const total = unreached.length
  for (;;) {
    const answered = await Promise.all(unreached.map(async (a) => (await node.connect([a])) > 0))
    unreached = unreached.filter((_, i) => !answered[i])
    if (unreached.length === 0) return total
    const left = deadline - Date.now()
    if (left <= 0) return total - unreached.length
    const pause = Math.min(pauseMs, left)
    init.onRetry?.(unreached, pause)
    await new Promise((r) => setTimeout(r, pause))
    pauseMs = Math.min(pauseMs * 2, maxPauseMs)
  }
}

/**
 * Resolves when a line arrives on `input` (the start signal of `--wait-for-start`); rejects with
 * a clear error if `input` ends first. Stops reading afterwards.
 */
export function waitForStartLine(input: Readable): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const cleanup = (): void => {
      input.off('data', onData)
      input.off('end', onEnd)
      input.off('error', onError)
      input.pause()
    }
    const onData = (chunk: Buffer | string): void => {
      if (!String(chunk).includes('\n')) return
      cleanup()
      resolvePromise()
    }
    const onEnd = (): void => {
      cleanup()
      reject(new InvalidInputError('--wait-for-start: stdin closed before the start line arrived; nothing was fetched'))
    }
    const onError = (err: Error): void => {
      cleanup()
      reject(new InvalidInputError(`--wait-for-start: cannot read the start line from stdin: ${err.message}`))
    }
    input.on('data', onData)
    input.once('end', onEnd)
    input.once('error', onError)
    input.resume()
  })
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
    .option(
      '--connect-within <seconds>',
      'keep redialling --peer addresses that do not answer (pause 0.5 s, doubling to 5 s) for this long',
      parseSeconds,
      DEFAULT_CONNECT_WITHIN_S,
    )
    .option(
      '--wait-for-start',
      'once connected with the manifest verified, print {"event":"ready"} on stdout and start the transfer when a line arrives on stdin',
    )
    .option(
      '--stall-timeout <seconds>',
      'give up when no chunk has arrived for this long (verified chunks are kept for the next fetch); 0: wait forever',
      parseSeconds,
      DEFAULT_STALL_TIMEOUT_S,
    )
    .option('--listen <multiaddr>', 'address to listen on (repeatable); default /ip4/127.0.0.1/tcp/0', collect)
    .option('--announce <multiaddr>', 'address to announce instead (repeatable)', collect)
    .option('--label <key=value>', 'node label such as site=plant-3 (repeatable)', parseLabel)
    .option('--upload-rate <rate>', 'cap upload bandwidth, e.g. 50mbit', parseRate)
    .option('--download-rate <rate>', 'cap download bandwidth, e.g. 200mbit', parseRate)
    .option('--mdns', 'find peers on the LAN with mDNS')
    .option(
      '--json',
      'print a final JSON line with the transfer counters at exit; with --linger or --wait-for-start, ' +
        'also {"event":"complete", …counters} as soon as the image is written',
    )
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
        const reachable = await connectWithRetry(node, peers, {
          withinMs: opts.connectWithin * 1000,
          onRetry: (unreached, pauseMs) =>
            logger.warn(`${unreached.length} of ${peers.length} peers not reached yet; retrying in ${(pauseMs / 1000).toFixed(1)}s`),
        })
        if (peers.length > 0 && reachable === 0 && opts.mdns !== true) {
          // Said here, with the addresses: "no peer is connected" alone would not tell which ones failed.
          throw new NoPeersError(
            `could not reach any peer given with --peer (${peers.join(', ')}) within ${opts.connectWithin}s: ` +
              'check the addresses and that those nodes are running',
          )
        }
        logger.info(`connected to ${reachable} of ${peers.length} peers; resolving manifest ${opts.manifest}`)
        const { manifest } = await node.fetchManifest(opts.manifest, { trusted: opts.trust })
        const image = manifest.manifest
        logger.info(`${image.name} ${image.version}: ${formatBytes(image.size)} in ${image.chunks.length} chunks`)
        if (opts.waitForStart === true) {
          process.stdout.write(`${JSON.stringify(READY_EVENT)}\n`)
          logger.info('ready: waiting for a line on stdin to start the transfer')
          await waitForStartLine(process.stdin)
        }

        const transferStarted = Date.now()
        const cpuAtStart = process.cpuUsage()
        const transfer = await node.download(opts.manifest, manifest, { out: resolve(opts.out) })
        const display = createProgressDisplay({ tty: process.stderr.isTTY === true, logger, label: image.name })
        const watch = new StallWatch(opts.stallTimeout * 1000, Date.now())
        let stalled!: (err: Error) => void
        const stall = new Promise<never>((_, reject) => (stalled = reject))
        const timer = setInterval(() => {
          const progress = transfer.progress()
          display.update(progress)
          const err = watch.check(progress, Date.now())
          if (err !== undefined) stalled(err)
        }, 200)
        try {
          await Promise.race([transfer.done, stall])
        } finally {
          clearInterval(timer)
          display.update(transfer.progress())
          display.stop()
        }
        const transferMs = Date.now() - transferStarted
        const cpu = process.cpuUsage(cpuAtStart)
        // CPU time of this process (every thread) during the transfer: what a benchmark divides by bytes
        const transferCpuMs = Math.round((cpu.user + cpu.system) / 1000)
        const counters = () => ({
          ...transfer.stats(),
          ...node.uploadStats(),
          manifest: opts.manifest,
          out: resolve(opts.out),
          transferMs,
          transferCpuMs,
          durationMs: Date.now() - started,
        })
        if (opts.json === true && (opts.linger > 0 || opts.waitForStart === true)) {
          process.stdout.write(`${JSON.stringify({ event: 'complete', ...counters() })}\n`)
        }
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
        if (opts.json === true) process.stdout.write(`${JSON.stringify(counters())}\n`)
      } finally {
        await node.stop()
      }
    })
}
