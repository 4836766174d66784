import { writeFileSync } from 'node:fs'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { ImgswarmError } from '@imgswarm/core'
import { formatBitRate, formatBytes, parseBitRate, parseSize } from '@imgswarm/link-units'
import { parseSystems } from './bench-config.js'
import { formatTable } from './bench-report.js'
import { runBenchmark } from './benchmark.js'
import { renderCdfSvg } from './cdf-plot.js'
import {
  DEFAULT_AGENT_DOWN_BPS,
  DEFAULT_AGENT_UP_BPS,
  DEFAULT_AGENTS,
  DEFAULT_NAME_PREFIX,
  DEFAULT_SEED_UP_BPS,
  DEFAULT_SIZE_BYTES,
  DEFAULT_SYSTEMS,
} from './constants.js'
import { serveFile } from './http-file-server.js'
import { SERVING_LINE } from './systems/http-runner.js'
import { buildImgswarmCli, compiledImgswarmCli, defaultImgswarmCli, type ImgswarmCliMode } from './systems/imgswarm-runner.js'
import { removeNamespaces } from './test-network.js'

interface BenchOptions {
  agents: number
  size: number
  up: number
  down: number
  seedUp: number
  systems: ReturnType<typeof parseSystems>
  json?: string
  plot?: string
  timeout?: number
  imgswarmCli?: string
  fromSource?: boolean
  build: boolean
  prefix: string
  keepWorkDir?: boolean
}

/**
 * The imgswarm CLI to run: the one given; else from sources with --from-source; else compiled as
 * production runs it (`npm run build` first, unless --no-build).
 */
async function chooseImgswarmCli(opts: BenchOptions): Promise<{ imgswarmCli: string; imgswarmCliMode: ImgswarmCliMode }> {
  if (opts.imgswarmCli !== undefined) return { imgswarmCli: opts.imgswarmCli, imgswarmCliMode: 'given' }
  if (opts.fromSource === true) return { imgswarmCli: defaultImgswarmCli(), imgswarmCliMode: 'source' }
  if (!opts.build) return { imgswarmCli: compiledImgswarmCli(), imgswarmCliMode: 'compiled' }
  process.stderr.write('building the compiled imgswarm CLI (npm run build)…\n')
  return { imgswarmCli: await buildImgswarmCli(), imgswarmCliMode: 'compiled' }
}

/** Turns our parsers' errors into commander's, so bad options print usage and exit 2. */
function option<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text)
    } catch (err) {
      throw new InvalidArgumentError(err instanceof Error ? err.message : String(err))
    }
  }
}

function parseCount(text: string): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number >= 1, got "${text}"`)
  return n
}

function parseSeconds(text: string): number {
  const n = Number(text)
  if (!(n > 0)) throw new InvalidArgumentError(`expected a number of seconds > 0, got "${text}"`)
  return n
}

const program = new Command('swarm-bench')
  .usage('[options]')
  .description(
    'Distribute one random image from a seed to N agents with imgswarm, BitTorrent (aria2c) and a central HTTP server, ' +
      'each node in its own network namespace with tc-capped links, and compare completion times with the lower bound T*. Needs root.',
  )
  .addOption(new Option('--agents <n>', 'number of agents').argParser(parseCount).default(DEFAULT_AGENTS))
  .addOption(new Option('--size <size>', 'image size, e.g. 256MiB').argParser(option((t) => parseSize(t, '--size'))).default(DEFAULT_SIZE_BYTES, formatBytes(DEFAULT_SIZE_BYTES).replace(' ', '')))
  .addOption(new Option('--up <rate>', "each agent's uplink cap, e.g. 50mbit").argParser(option((t) => parseBitRate(t, '--up'))).default(DEFAULT_AGENT_UP_BPS, formatBitRate(DEFAULT_AGENT_UP_BPS)))
  .addOption(new Option('--down <rate>', "each agent's downlink cap").argParser(option((t) => parseBitRate(t, '--down'))).default(DEFAULT_AGENT_DOWN_BPS, formatBitRate(DEFAULT_AGENT_DOWN_BPS)))
  .addOption(new Option('--seed-up <rate>', "the seed's uplink cap").argParser(option((t) => parseBitRate(t, '--seed-up'))).default(DEFAULT_SEED_UP_BPS, formatBitRate(DEFAULT_SEED_UP_BPS)))
  .addOption(new Option('--systems <list>', 'comma-separated systems to run, in order').argParser(option(parseSystems)).default([...DEFAULT_SYSTEMS], DEFAULT_SYSTEMS.join(',')))
  .option('--json <file>', 'write the results as JSON')
  .option('--plot <file>', 'draw the completion-time CDF of all systems as SVG')
  .addOption(new Option('--timeout <seconds>', 'per-system limit (default: 60 + 3·N·F/U_seed)').argParser(parseSeconds))
  .option('--imgswarm-cli <path>', 'the imgswarm CLI entry to run (default: the compiled apps/cli/dist/main.js, built first)')
  .option('--from-source', 'run the imgswarm CLI from its TypeScript sources (bin/imgswarm.js with the SWC loader) instead of compiled')
  .option('--no-build', 'run the compiled CLI as it is, without `npm run build` first')
  .addOption(new Option('--prefix <prefix>', 'namespace and work-directory prefix; leftovers under it are removed first').default(DEFAULT_NAME_PREFIX))
  .option('--keep-work-dir', 'keep logs and the image after a successful run')
  .showHelpAfterError()
  .exitOverride()
  .action(async (opts: BenchOptions) => {
    const controller = new AbortController()
    let signals = 0
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1
      if (signals > 1) {
        // a second Ctrl-C: no more waiting for graceful stops
        removeNamespaces(opts.prefix)
        process.exit(130)
      }
      process.stderr.write(`\n${signal}: stopping every process and removing the test network…\n`)
      controller.abort()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    // last resort should anything escape the orderly teardown
    process.once('exit', () => {
      try {
        removeNamespaces(opts.prefix)
      } catch {
        // nothing to remove, or no `ip`: the run failed before building anything
      }
    })
    const report = await runBenchmark(
      {
        agents: opts.agents,
        sizeBytes: opts.size,
        agentUpBitsPerS: opts.up,
        agentDownBitsPerS: opts.down,
        seedUpBitsPerS: opts.seedUp,
        systems: opts.systems,
        timeoutS: opts.timeout,
        namePrefix: opts.prefix,
        keepWorkDir: opts.keepWorkDir === true,
      },
      { signal: controller.signal, ...(opts.systems.includes('imgswarm') && (await chooseImgswarmCli(opts))) },
    )
    process.stdout.write(`\n${formatTable(report)}\n`)
    if (opts.json !== undefined) writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`)
    if (opts.plot !== undefined) writeFileSync(opts.plot, renderCdfSvg(report))
    const ok = Object.values(report.systems).every((r) => r.error === undefined && r.identical)
    process.exitCode = ok ? 0 : 1
  })

// Internal: the central server of the `http` system, started inside the seed's namespace.
program.addCommand(
  new Command('serve-file')
    .description('serve one file over HTTP until stopped (used by the http system)')
    .argument('<file>')
    .requiredOption('--host <ip>')
    .requiredOption('--port <port>', 'TCP port', parseCount)
    .action(async (file: string, opts: { host: string; port: number }) => {
      const server = await serveFile(file, opts.host, opts.port)
      process.stdout.write(`${SERVING_LINE}\n`)
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve)
        process.once('SIGINT', resolve)
      })
      server.closeAllConnections()
      server.close()
    }),
  { hidden: true },
)

try {
  await program.parseAsync(process.argv)
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2)
  const detail = err instanceof ImgswarmError ? `${err.message} (${err.code})` : err instanceof Error ? (err.stack ?? err.message) : String(err)
  process.stderr.write(`swarm-bench: error: ${detail}\n`)
  process.exit(err instanceof ImgswarmError && err.code === 'ERR_BENCH_ABORTED' ? 130 : 1)
}
