import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { partialPathFor } from '@imgswarm/chunk-store'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { CliProcesses, type CliProcess } from './support/cli-process.js'
import { fetchArgs, seedRandomImage, type FetchResult, type RunningSeed } from './support/imgswarm-commands.js'
import { MiB, TempDirs, exists, sha256File } from './support/temp-files.js'

// `imgswarm fetch --wait-for-start` (the start barrier a benchmark uses to release many agents at
// one instant) and the redialling of --peer addresses that do not answer yet, as separate processes.
const IMAGE_SIZE = 16 * MiB
const TEST_TIMEOUT_MS = 300_000

describe('imgswarm fetch: start barrier and redialling', () => {
  const dirs = new TempDirs()
  const seedProcs = new CliProcesses()
  const procs = new CliProcesses()
  const servers: Server[] = []
  let root: string
  let imageSha: string
  let seed: RunningSeed

  beforeAll(async () => {
    ;({ root, imageSha, seed } = await seedRandomImage(dirs, seedProcs, { size: IMAGE_SIZE }))
  }, TEST_TIMEOUT_MS)

  afterEach(async () => {
    await procs.killAll()
    for (const s of servers.splice(0)) await closeServer(s)
  })

  afterAll(async () => {
    await procs.killAll()
    await seedProcs.killAll()
    await dirs.removeAll()
  })

  it(
    '--wait-for-start: ready line, nothing fetched until a line arrives on stdin, complete line before lingering, final counters at exit',
    async () => {
      const out = join(root, 'barrier.img')
      const proc = procs.spawn(
        fetchArgs(seed.line, { out, dataDir: join(root, 'barrier'), extra: ['--json', '--linger', '600', '--wait-for-start'] }),
        { stdin: true },
      )
      await proc.waitFor('the ready line', () => (proc.stdoutLines().length > 0 ? true : undefined))
      expect(jsonLines(proc)).toEqual([{ event: 'ready' }])
      // connected and the manifest verified, but no download opened: no partial file, no output
      expect(proc.stderr).toMatch(/16\.0 MiB in \d+ chunks/)
      expect(await exists(partialPathFor(out))).toBe(false)
      expect(await exists(out)).toBe(false)

      proc.child.stdin?.write('start\n')
      const complete = await proc.waitFor('the complete line', () => jsonLines(proc).find((l) => l.event === 'complete'))
      // said as soon as the file is written, while the process lingers to serve peers
      expect(proc.running).toBe(true)
      expect(await sha256File(out)).toBe(imageSha)
      expect(complete).toMatchObject({ event: 'complete', manifest: seed.line.manifest, out, bytesTotal: IMAGE_SIZE, chunksAlreadyHad: 0 })
      expect(complete.chunksFetched).toBe(complete.chunksTotal)
      expect(complete.transferMs).toBeGreaterThanOrEqual(0)
      // hashing and writing the image takes CPU time, and never more than the wall time allows on this machine's cores
      expect(complete.transferCpuMs).toBeGreaterThan(0)
      expect(complete.transferCpuMs).toBeLessThanOrEqual((Number(complete.transferMs) + 50) * cpus().length)

      expect(await proc.stop('SIGTERM')).toEqual({ code: 0, signal: null })
      const lines = jsonLines(proc)
      expect(lines.map((l) => l.event)).toEqual(['ready', 'complete', undefined])
      const final = proc.lastJson<FetchResult>()
      expect(final).toMatchObject({ manifest: seed.line.manifest, out, bytesTotal: IMAGE_SIZE, transferMs: complete.transferMs })
      expect(final.chunksFetched).toBe(final.chunksTotal)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    '--wait-for-start: stdin closing before the start line is a clear error, and nothing is fetched',
    async () => {
      const out = join(root, 'no-start.img')
      // no stdin pipe: the child's stdin is /dev/null, which ends at once
      const proc = await procs.run(fetchArgs(seed.line, { out, dataDir: join(root, 'no-start'), extra: ['--json', '--wait-for-start'] }))
      expect(proc.child.exitCode).toBe(1)
      expect(jsonLines(proc)).toEqual([{ event: 'ready' }])
      expect(proc.stderr).toContain('--wait-for-start: stdin closed before the start line arrived; nothing was fetched')
      expect(proc.stderr).toContain('(ERR_INVALID_INPUT)')
      expect(await exists(out)).toBe(false)
      expect(await exists(partialPathFor(out))).toBe(false)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'a --peer that does not answer at first is redialled until it does, then the fetch completes',
    async () => {
      const seedAddr = seed.line.addrs[0]
      const seedPort = Number(/\/tcp\/(\d+)\//.exec(seedAddr)?.[1])
      const peerId = seedAddr.split('/p2p/')[1]
      const port = await freePort()
      const out = join(root, 'late.img')
      const proc = procs.spawn(
        fetchArgs(
          { ...seed.line, addrs: [`/ip4/127.0.0.1/tcp/${port}/p2p/${peerId}`] },
          { out, dataDir: join(root, 'late'), extra: ['--json', '--connect-within', '240'] },
        ),
      )
      await proc.waitFor('a redial', () => (/1 of 1 peers not reached yet; retrying in/.test(proc.stderr) ? true : undefined))
      // the seed becomes reachable on that port only now
      servers.push(await forward(port, seedPort))
      expect((await proc.waitForExit()).code).toBe(0)
      expect(await sha256File(out)).toBe(imageSha)
      const result = proc.lastJson<FetchResult>()
      expect(result.chunksFetched).toBe(result.chunksTotal)
      expect(proc.stdoutLines()).toHaveLength(1)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'a --peer that never answers still ends with the clear error once --connect-within has passed',
    async () => {
      const port = await freePort()
      const peerId = seed.line.addrs[0].split('/p2p/')[1]
      const proc = await procs.run(
        fetchArgs(
          { ...seed.line, addrs: [`/ip4/127.0.0.1/tcp/${port}/p2p/${peerId}`] },
          { out: join(root, 'never.img'), dataDir: join(root, 'never'), extra: ['--connect-within', '1'] },
        ),
      )
      expect(proc.child.exitCode).toBe(1)
      expect(proc.stderr).toMatch(/not reached yet; retrying in/)
      expect(proc.stderr).toContain(`could not reach any peer given with --peer (/ip4/127.0.0.1/tcp/${port}/`)
      expect(proc.stderr).toContain('within 1s')
      expect(proc.stderr).toContain('(ERR_NO_PEERS)')
    },
    TEST_TIMEOUT_MS,
  )
})

/** Stdout lines parsed as JSON objects. */
function jsonLines(proc: CliProcess): Record<string, unknown>[] {
  return proc.stdoutLines().map((l) => JSON.parse(l) as Record<string, unknown>)
}

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await closeServer(server)
  return port
}

/** A TCP forwarder from `port` to `target` on loopback: the seed, reachable at a second address. */
async function forward(port: number, target: number): Promise<Server> {
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1')
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
      s.on('close', () => sockets.delete(s))
    }
    client.pipe(upstream)
    upstream.pipe(client)
  })
  openSockets.set(server, sockets)
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return server
}

const openSockets = new WeakMap<Server, Set<Socket>>()

/** Closes a server and every connection it forwards. */
async function closeServer(server: Server): Promise<void> {
  for (const s of openSockets.get(server) ?? []) s.destroy()
  await new Promise((resolve) => server.close(resolve))
}
