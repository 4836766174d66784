import { writeFileSync } from 'node:fs'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { ImgswarmError } from '@imgswarm/core'
import { formatBitRate, formatBytes, parseBitRate, parseSize } from '@imgswarm/link-units'
import { DEFAULT_DEGREE, DEFAULT_SEED_DEGREE, FULL_MESH_MAX_AGENTS } from './constants.js'
import type { SwarmSample } from '@imgswarm/fetch-scheduler'
import { runSwarmSize, type SimRow } from './run-simulation.js'
import { parseAgentCounts, resolveConfig } from './sim-config.js'
import { buildReport, formatRow, formatTable, TABLE_HEADER } from './sim-report.js'

interface SimOptions {
  agents: number[]
  size: number
  chunk: number
  up: number
  down: number
  seedUp: number
  degree?: number
  seedDegree?: number
  latencyMs: number
  randomSeed: number
  json?: string
  progress: boolean
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

function parseWhole(min: number): (text: string) => number {
  return (text) => {
    const n = Number(text)
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number >= ${min}, got "${text}"`)
    return n
  }
}

function parseMs(text: string): number {
  const n = Number(text)
  if (!(n >= 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`expected milliseconds >= 0, got "${text}"`)
  return n
}

// The defaults shown in --help are the ones resolveConfig applies: one place sets them.
const defaults = resolveConfig()

const program = new Command('swarm-sim')
  .usage('[options]')
  .description(
    'Simulate one seed distributing an image to N agents with the real fetch scheduler (Downloader, Uploader, serve policies) ' +
      'on a modelled network in virtual time, for each swarm size, and compare completion with the lower bound T*.',
  )
  .addOption(
    new Option('--agents <list>', 'swarm sizes, comma-separated (e.g. 16,100,1000,10000 or 10k)')
      .argParser(option(parseAgentCounts))
      .default(defaults.agentCounts, defaults.agentCounts.join(',')),
  )
  .addOption(new Option('--size <size>', 'image size, e.g. 256MiB').argParser(option((t) => parseSize(t, '--size'))).default(defaults.sizeBytes, formatBytes(defaults.sizeBytes).replace(' ', '')))
  .addOption(new Option('--chunk <size>', 'chunk size').argParser(option((t) => parseSize(t, '--chunk'))).default(defaults.chunkBytes, formatBytes(defaults.chunkBytes).replace(' ', '')))
  .addOption(new Option('--up <rate>', "each agent's uplink, e.g. 50mbit").argParser(option((t) => parseBitRate(t, '--up'))).default(defaults.agentUpBitsPerS, formatBitRate(defaults.agentUpBitsPerS)))
  .addOption(new Option('--down <rate>', "each agent's downlink").argParser(option((t) => parseBitRate(t, '--down'))).default(defaults.agentDownBitsPerS, formatBitRate(defaults.agentDownBitsPerS)))
  .addOption(new Option('--seed-up <rate>', "the seed's uplink").argParser(option((t) => parseBitRate(t, '--seed-up'))).default(defaults.seedUpBitsPerS, formatBitRate(defaults.seedUpBitsPerS)))
  .addOption(
    new Option('--degree <n>', `sessions per agent (default: everyone with everyone up to ${FULL_MESH_MAX_AGENTS} agents, ${DEFAULT_DEGREE} beyond)`).argParser(parseWhole(1)),
  )
  .addOption(new Option('--seed-degree <n>', `agents the seed has sessions with (default: all in a full mesh, ${DEFAULT_SEED_DEGREE} otherwise)`).argParser(parseWhole(1)))
  .addOption(new Option('--latency-ms <ms>', 'one-way access latency of every node').argParser(parseMs).default(defaults.latencyMs))
  .addOption(new Option('--random-seed <n>', 'seed of the topology and of every scheduler\'s random choices').argParser(parseWhole(0)).default(defaults.randomSeed))
  .option('--json <file>', 'write the results as JSON')
  .option('--no-progress', 'print no progress lines (every 5 s of virtual time) on stderr')
  .showHelpAfterError()
  .exitOverride()
  .action(async (opts: SimOptions) => {
    const config = resolveConfig({
      agentCounts: opts.agents,
      sizeBytes: opts.size,
      chunkBytes: opts.chunk,
      agentUpBitsPerS: opts.up,
      agentDownBitsPerS: opts.down,
      seedUpBitsPerS: opts.seedUp,
      degree: opts.degree,
      seedDegree: opts.seedDegree,
      latencyMs: opts.latencyMs,
      randomSeed: opts.randomSeed,
    })
    const startedAt = new Date()
    const rows: SimRow[] = []
    process.stderr.write(`${TABLE_HEADER.join(' | ')}\n`)
    for (const agents of config.agentCounts) {
      const cpuStart = process.cpuUsage()
      const onProgress = (x: SwarmSample): void => {
        const cpu = process.cpuUsage(cpuStart)
        process.stderr.write(
          `  ${agents} agents: t=${(x.timeMs / 1000).toFixed(0)} s, ${x.peersDone} done, agents' uplinks ${(100 * x.peerUploadUtilisation).toFixed(1)} % busy, ` +
            `seed ${(100 * x.seedUploadUtilisation).toFixed(0)} %, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s\n`,
        )
      }
      const row = await runSwarmSize(config, agents, { onProgress: opts.progress ? onProgress : undefined })
      rows.push(row)
      process.stderr.write(`${formatRow(row).join(' | ')}\n`)
    }
    const report = buildReport(config, rows, startedAt)
    process.stdout.write(`\n${formatTable(report)}\n`)
    if (opts.json !== undefined) writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`)
  })

try {
  await program.parseAsync(process.argv)
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2)
  const detail = err instanceof ImgswarmError ? `${err.message} (${err.code})` : err instanceof Error ? (err.stack ?? err.message) : String(err)
  process.stderr.write(`swarm-sim: error: ${detail}\n`)
  process.exit(1)
}
