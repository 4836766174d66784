import { chmodSync, linkSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BITTORRENT_PORT, DEFAULT_PREPARE_TIMEOUT_MS, IMAGE_FILE_NAME, TRACKER_PORT } from '../constants.js'
import { SystemRunError } from '../errors.js'
import type { BenchNode } from '../network-plan.js'
import type { BenchProcess } from '../processes.js'
import type { AgentRun, SystemContext, SystemRunner } from '../system-runner.js'
import { exitedEarly, pollUntil, runInNamespace, runLocal } from '../waiting.js'

const DONE_FILE_ENV = 'SWARM_BENCH_DONE_FILE'

/** mktorrent's piece length exponent for a file: about 1024 pieces, between 32 KiB and 16 MiB. */
export function pieceLengthExponent(sizeBytes: number): number {
  return Math.min(24, Math.max(15, Math.round(Math.log2(sizeBytes / 1024))))
}

/** The info-hash from `aria2c -S <torrent>` output. */
export function parseInfoHash(aria2Show: string): string {
  const m = /^Info Hash:\s*([0-9a-f]{40})\s*$/im.exec(aria2Show)
  if (m === null) throw new SystemRunError('aria2c -S printed no info hash for the torrent')
  return m[1].toLowerCase()
}

/** Seeders ("complete") in a tracker's bencoded scrape reply; undefined if the reply lists none. */
export function parseScrapeSeeders(reply: Buffer): number | undefined {
  const m = /8:completei(\d+)e/.exec(reply.toString('latin1'))
  return m === null ? undefined : Number(m[1])
}

/** Options every aria2c here shares: no DHT, LPD or PEX (the tracker alone finds peers), seed on. */
function aria2Options(): string[] {
  return [
    '--enable-dht=false',
    '--enable-dht6=false',
    '--bt-enable-lpd=false',
    '--enable-peer-exchange=false',
    '--disable-ipv6=true',
    `--listen-port=${BITTORRENT_PORT}`,
    // 0.0 = keep seeding whatever the ratio: finished leechers serve until the benchmark stops them
    '--seed-ratio=0.0',
    '--console-log-level=notice',
    '--summary-interval=0',
    '--show-console-readout=false',
    '--enable-color=false',
    '--allow-overwrite=true',
    '--auto-file-renaming=false',
    // dies with the benchmark, should the benchmark itself be killed
    `--stop-with-process=${process.pid}`,
  ]
}

/**
 * BitTorrent as deployed widely: mktorrent, Debian's opentracker (whitelisted info-hash) in the
 * seed's namespace, aria2c as seeder and as leechers. Completion comes from aria2c's
 * `--on-bt-download-complete` hook, which fires when every piece is verified.
 */
export class BitTorrentRunner implements SystemRunner {
  readonly name = 'bittorrent' as const
  readonly #ctx: SystemContext
  readonly #torrent: string
  readonly #hook: string
  #seeders: BenchProcess[] = []
  #tracker: BenchProcess | undefined
  #agents: BenchProcess[] = []

  constructor(context: SystemContext) {
    this.#ctx = context
    this.#torrent = join(context.workDir, 'image.torrent')
    this.#hook = join(context.workDir, 'on-complete.sh')
  }

  async prepare(): Promise<void> {
    const { image, seed, workDir, processes, signal } = this.#ctx
    const announce = `http://${seed.ip}:${TRACKER_PORT}/announce`
    await runLocal('mktorrent', [
      '-l', String(pieceLengthExponent(image.sizeBytes)), '-a', announce, '-n', IMAGE_FILE_NAME,
      '-o', this.#torrent, '-t', '2', '-d', image.path,
    ])
    const infoHash = parseInfoHash(await runLocal('aria2c', ['-S', this.#torrent]))
    writeFileSync(
      this.#hook,
      '#!/bin/sh\n# aria2c --on-bt-download-complete hook: records the moment this agent had every piece.\n' +
        `date +%s%N > "$${DONE_FILE_ENV}.tmp" && mv "$${DONE_FILE_ENV}.tmp" "$${DONE_FILE_ENV}"\n`,
      { mode: 0o755 },
    )

    // opentracker chroots into -d and drops to nobody; Debian's build serves only whitelisted hashes
    const trackerDir = join(workDir, 'tracker')
    mkdirSync(trackerDir)
    chmodSync(trackerDir, 0o755)
    writeFileSync(join(trackerDir, 'whitelist'), `${infoHash}\n`, { mode: 0o644 })
    const trackerLog = join(workDir, 'opentracker.log')
    const tracker = processes.spawnInNamespace('opentracker', {
      ns: seed.ns,
      command: 'opentracker',
      args: ['-i', seed.ip, '-p', String(TRACKER_PORT), '-P', String(TRACKER_PORT), '-d', trackerDir, '-w', 'whitelist'],
      logFile: trackerLog,
    })
    this.#tracker = tracker

    // the seeder reads a hard link of the image, so its control files stay in its own directory
    const seedDir = join(workDir, 'seed')
    mkdirSync(seedDir)
    linkSync(image.path, join(seedDir, IMAGE_FILE_NAME))
    const seederLog = join(workDir, 'seed.log')
    const seeder = processes.spawnInNamespace('aria2c seeder', {
      ns: seed.ns,
      command: 'aria2c',
      args: [...aria2Options(), `--dir=${seedDir}`, '--bt-seed-unverified=true', '--check-integrity=false', this.#torrent],
      logFile: seederLog,
    })
    this.#seeders.push(seeder)

    // Agents start only once the tracker lists the seeder, or early announces would find no one.
    const scrape = `http://${seed.ip}:${TRACKER_PORT}/scrape?info_hash=${percentEncodeHex(infoHash)}`
    await pollUntil(
      async () => {
        const { code, stdout } = await runInNamespace(seed.ns, 'curl', ['-s', '--max-time', '2', scrape])
        const seeders = code === 0 ? parseScrapeSeeders(stdout) : undefined
        return seeders !== undefined && seeders >= 1 ? true : undefined
      },
      {
        what: 'the tracker to list the aria2c seeder',
        signal,
        intervalMs: 200,
        timeoutMs: DEFAULT_PREPARE_TIMEOUT_MS,
        failure: () => exitedEarly(tracker, trackerLog)() ?? exitedEarly(seeder, seederLog)(),
      },
    )
  }

  startAgent(agent: BenchNode): AgentRun {
    const dir = join(this.#ctx.workDir, agent.name)
    mkdirSync(join(dir, 'data'), { recursive: true })
    const doneFile = join(dir, 'done')
    const logFile = join(dir, 'aria2c.log')
    const proc = this.#ctx.processes.spawnInNamespace(`aria2c on ${agent.name}`, {
      ns: agent.ns,
      command: 'aria2c',
      args: [...aria2Options(), `--dir=${join(dir, 'data')}`, '--file-allocation=none', `--on-bt-download-complete=${this.#hook}`, this.#torrent],
      env: { ...process.env, [DONE_FILE_ENV]: doneFile },
      logFile,
    })
    this.#agents.push(proc)
    const completed = pollUntil(() => readDoneFile(doneFile), {
      what: `${agent.name} to complete`,
      signal: this.#ctx.signal,
      failure: exitedEarly(proc, logFile),
    })
    return { agent, outPath: join(dir, 'data', IMAGE_FILE_NAME), completed }
  }

  async stop(): Promise<undefined> {
    // SIGTERM lets aria2c flush its disk cache and announce "stopped" while the tracker still runs
    await Promise.all([...this.#agents, ...this.#seeders].map((p) => p.stop('SIGTERM')))
    await this.#tracker?.stop('SIGTERM')
    return undefined
  }
}

/** The epoch ms the hook wrote (`date +%s%N`), once the file exists. */
function readDoneFile(path: string): number | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8').trim()
  } catch {
    return undefined
  }
  if (!/^\d{19}$/.test(text)) throw new SystemRunError(`completion hook wrote "${text}" to ${path}, not a nanosecond timestamp`)
  return Number(BigInt(text) / 1_000_000n)
}

function percentEncodeHex(hex: string): string {
  return hex.replace(/../g, (byte) => `%${byte}`)
}

export const createBitTorrentRunner = (context: SystemContext): SystemRunner => new BitTorrentRunner(context)
