import { access, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Command, InvalidArgumentError } from 'commander'
import { InvalidInputError } from '@imgswarm/core'
import type { ImageView, SeedPeer } from '@imgswarm/coordinator-client'
import { PUBLISHER_KEY_FILE, loadOrCreatePublisherKey } from '@imgswarm/manifest'
// (program.ts loads each command's module only when that command runs: no libp2p for --help)
import { SwarmNode, buildManifest } from '@imgswarm/swarm-node'
import { adminClient, withAdminOptions, type AdminOptions } from '../admin-client.js'
import { formatBytes } from '../format.js'
import { createLogger, type Logger } from '../logger.js'
import { collect } from '../options.js'

interface PublishOptions extends AdminOptions {
  name?: string
  version?: string
  dataDir?: string
  source: boolean
  seed?: string[]
  manifest?: string
  trust?: string[]
  json?: boolean
  logFormat?: 'pretty' | 'json'
}

export function publishCommand(): Command {
  return withAdminOptions(
    new Command('publish')
      .description(
        'chunk and sign an image and register it with the coordinator, whose embedded seed then serves it from <file> ' +
          '(run it on the coordinator host, with the coordinator --data-dir, whose publisher key the coordinator trusts); ' +
          'or, with --manifest and --seed, register an image a standalone `imgswarm seed` already serves',
      )
      .argument('[file]', 'the image file (absolute path registered as the source the coordinator seed reads)')
      .option('--name <name>', 'image name, e.g. win11-iot (with <file>)')
      .option('--version <version>', 'image version, e.g. 2026.11 (with <file>)')
      .option('--data-dir <dir>', `directory of the publisher key (${PUBLISHER_KEY_FILE}); on the coordinator host, its --data-dir`)
      .option('--no-source', 'do not ask the coordinator seed to serve <file> (it is not on the coordinator host): give --seed')
      .option('--seed <multiaddr>', 'a standalone seed serving the image, …/p2p/<peer id> (repeatable)', collectSeedAddr)
      .option('--manifest <cid>', 'register the manifest a standalone seed serves (fetched from --seed) instead of a file')
      .option('--trust <key>', 'with --manifest: the publisher key z6Mk… it must be signed with (repeatable)', collect),
  )
    .option('--json', 'print the registered image as one JSON line')
    .option('--log-format <format>', 'pretty or json', 'pretty')
    .action(async (file: string | undefined, opts: PublishOptions, command: Command) => {
      const usage: (message: string) => never = (message) => command.error(`error: ${message}`)
      const logger = createLogger({ format: opts.logFormat })
      const seeds = groupSeeds(opts.seed ?? [])
      const client = adminClient(opts)
      let image: ImageView
      if (opts.manifest !== undefined) {
        if (file !== undefined) usage('give either <file> or --manifest, not both')
        if (seeds.length === 0) usage('--manifest needs --seed: the standalone seed to fetch it from')
        const trusted = await trustedKeys(opts)
        if (trusted.length === 0) usage('--manifest needs --trust <publisher key> (the `publisher` that `imgswarm seed --json` prints)')
        const bytes = await fetchManifestFromSeeds(opts.manifest, seeds, trusted, logger)
        image = await client.registerImage({ manifest: Buffer.from(bytes).toString('base64'), seeds })
      } else {
        if (file === undefined) usage('give the image <file> (or --manifest with --seed)')
        if (opts.name === undefined || opts.version === undefined) usage('<file> needs --name and --version')
        if (opts.dataDir === undefined) usage('--data-dir is required: where the publisher key is (or is created)')
        if (!opts.source && seeds.length === 0) usage('--no-source needs --seed: something must serve the image')
        const path = resolve(file)
        const key = await loadPublisherKey(opts.dataDir, logger)
        const started = Date.now()
        logger.info(`chunking ${path}`)
        const built = await buildManifest(path, { name: opts.name, version: opts.version, key })
        const m = built.manifest.manifest
        logger.info(`${m.name}@${m.version}: ${formatBytes(m.size)} in ${m.chunks.length} chunks, signed in ${Date.now() - started} ms`)
        image = await client.registerImage({
          manifest: Buffer.from(built.bytes).toString('base64'),
          ...(opts.source ? { sourcePath: path } : {}),
          ...(seeds.length > 0 ? { seeds } : {}),
        })
      }
      if (opts.json === true) process.stdout.write(`${JSON.stringify(image)}\n`)
      const servedBy = [
        ...(image.seededByCoordinator ? [`the coordinator seed${image.sourcePath === undefined ? '' : ` (from ${image.sourcePath})`}`] : []),
        ...image.seeds.map((s) => s.peerId),
      ]
      logger.info(`registered ${image.name}@${image.version} as ${image.manifestCid}; served by ${servedBy.join(', ') || 'no seed yet'}`)
    })
}

const SEED_ADDR = /^\/.+\/p2p\/([1-9A-HJ-NP-Za-km-z]{32,})$/

/** Commander collector for `--seed`: each a multiaddr ending in /p2p/<peer id>. */
export function collectSeedAddr(value: string, previous: string[] = []): string[] {
  if (!SEED_ADDR.test(value)) throw new InvalidArgumentError(`expected a multiaddr ending in /p2p/<peer id>, got "${value}"`)
  return [...previous, value]
}

/** Seed addresses (checked by `collectSeedAddr`) grouped by peer. */
export function groupSeeds(addrs: readonly string[]): SeedPeer[] {
  const byPeer = new Map<string, string[]>()
  for (const addr of addrs) {
    const peerId = SEED_ADDR.exec(addr)?.[1] ?? addr
    byPeer.set(peerId, [...(byPeer.get(peerId) ?? []), addr])
  }
  return [...byPeer].map(([peerId, list]) => ({ peerId, addrs: list }))
}

async function loadPublisherKey(dataDir: string, logger: Logger): ReturnType<typeof loadOrCreatePublisherKey> {
  const dir = resolve(dataDir)
  const existed = await access(join(dir, PUBLISHER_KEY_FILE)).then(
    () => true,
    () => false,
  )
  const key = await loadOrCreatePublisherKey(dir)
  if (!existed) {
    logger.warn(`created a new publisher key in ${dir}: the coordinator accepts its images only with --trust ${key.publicKey}`)
  }
  return key
}

async function trustedKeys(opts: PublishOptions): Promise<string[]> {
  const keys = [...(opts.trust ?? [])]
  if (opts.dataDir !== undefined) {
    const path = join(resolve(opts.dataDir), PUBLISHER_KEY_FILE)
    const present = await access(path).then(
      () => true,
      () => false,
    )
    if (present) keys.push((await loadOrCreatePublisherKey(resolve(opts.dataDir))).publicKey)
  }
  return keys
}

/** Fetches and checks a manifest from standalone seeds with a throwaway node. */
async function fetchManifestFromSeeds(cid: string, seeds: SeedPeer[], trusted: string[], logger: Logger): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'imgswarm-publish-'))
  try {
    const node = await SwarmNode.create({ dataDir: dir, logger })
    try {
      await node.start()
      const addrs = seeds.flatMap((s) => s.addrs)
      if ((await node.connect(addrs)) === 0) throw new InvalidInputError(`no --seed answered (${addrs.join(', ')})`)
      return (await node.fetchManifest(cid, { trusted })).bytes
    } finally {
      await node.stop()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
