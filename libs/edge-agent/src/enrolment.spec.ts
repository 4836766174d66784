import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RunningCoordinator } from '@imgswarm/coordinator'
import { CoordinatorClient } from '@imgswarm/coordinator-client'
import { generatePublisherKey } from '@imgswarm/manifest'
import { pino } from 'pino'
import { EnrolmentFile, ensureEnrolled, type EnsureEnrolledInit } from './enrolment.js'
import { AgentConfigError, AgentStoppedError, EnrolmentError, EnrolmentFileError } from './errors.js'
import { ADMIN_TOKEN, ENROLMENT_TOKEN, startTestCoordinator } from './test/coordinator.js'
import { tempDir } from './test/fixtures.js'

describe('enrolment (real coordinator over HTTP, real files)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let coordinator: RunningCoordinator
  let admin: CoordinatorClient
  const publisher = generatePublisherKey()
  const log = pino({ level: 'silent' })

  /** Counts the enrol calls that reach the network. */
  function init(file: string, extra: Partial<EnsureEnrolledInit> & { fetch?: typeof fetch } = {}): EnsureEnrolledInit & { calls: string[] } {
    const calls: string[] = []
    const counting: typeof fetch = (input, options) => {
      calls.push(String(input))
      return (extra.fetch ?? fetch)(input, options)
    }
    return {
      file: new EnrolmentFile(file),
      coordinatorUrl: coordinator.url,
      enrolmentToken: ENROLMENT_TOKEN,
      identity: { name: 'edge-1', labels: { site: 'plant-3' }, peerId: '12D3KooWEdgeOneEdgeOneEdgeOne', addrs: ['/ip4/127.0.0.1/tcp/4100'] },
      client: (token) => new CoordinatorClient({ url: coordinator.url, token, fetch: counting }),
      retryMinMs: 10,
      retryMaxMs: 50,
      log,
      ...extra,
      calls,
    }
  }

  beforeAll(async () => {
    dir = await tempDir()
    coordinator = await startTestCoordinator(join(dir.path, 'coordinator'), [publisher.publicKey])
    admin = new CoordinatorClient({ url: coordinator.url, token: ADMIN_TOKEN })
  })

  afterAll(async () => {
    await coordinator.close()
    await dir.remove()
  })

  it('enrols once, keeps the credential in a 0600 file, and a second start reuses it without enrolling', async () => {
    const file = join(dir.path, 'edge-1', 'agent-enrolment.json')
    await mkdir(join(dir.path, 'edge-1'))
    const first = init(file)
    const { enrolment, enrolled } = await ensureEnrolled(first)
    expect(enrolled).toBe(true)
    expect(first.calls).toHaveLength(1)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      format: 1,
      nodeId: enrolment.nodeId,
      credential: enrolment.credential,
      coordinatorUrl: coordinator.url,
      trustedPublishers: [publisher.publicKey],
    })
    const node = await admin.getNode(enrolment.nodeId)
    expect(node).toMatchObject({ name: 'edge-1', labels: { site: 'plant-3' }, peerId: '12D3KooWEdgeOneEdgeOneEdgeOne' })

    // restart: no token needed, no call made, same node
    const second = init(file, { enrolmentToken: undefined })
    const again = await ensureEnrolled(second)
    expect(again).toEqual({ enrolment, enrolled: false })
    expect(second.calls).toHaveLength(0)
    expect((await admin.listNodes()).filter((n) => n.name === 'edge-1')).toHaveLength(1)
    // and the credential works
    const beat = await new CoordinatorClient({ url: coordinator.url, token: enrolment.credential }).heartbeat(enrolment.nodeId, { state: 'idle' })
    expect(beat.nodeId).toBe(enrolment.nodeId)
  })

  it('protects a restored file with loose permissions again', async () => {
    const file = join(dir.path, 'loose.json')
    const { enrolment } = await ensureEnrolled(init(file))
    await chmod(file, 0o644)
    expect((await new EnrolmentFile(file).load())?.nodeId).toBe(enrolment.nodeId)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
  })

  it('waits for an unreachable coordinator, then enrols', async () => {
    let refusals = 2
    const flaky: typeof fetch = (input, options) => {
      if (refusals-- > 0) return Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }))
      return fetch(input, options)
    }
    const attempt = init(join(dir.path, 'flaky.json'), { fetch: flaky })
    const { enrolled } = await ensureEnrolled(attempt)
    expect(enrolled).toBe(true)
    expect(attempt.calls).toHaveLength(3)
  })

  it('stops waiting when told to', async () => {
    const down: typeof fetch = () => Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }))
    const controller = new AbortController()
    const waiting = ensureEnrolled(init(join(dir.path, 'never.json'), { fetch: down, retryMinMs: 20, retryMaxMs: 20, signal: controller.signal }))
    setTimeout(() => controller.abort(), 100)
    await expect(waiting).rejects.toThrow(AgentStoppedError)
  })

  it('says clearly what is wrong: no token, a refused token, a damaged file', async () => {
    await expect(ensureEnrolled(init(join(dir.path, 'no-token.json'), { enrolmentToken: undefined }))).rejects.toThrow(
      new AgentConfigError(
        `this node is not enrolled yet (no ${join(dir.path, 'no-token.json')}) and no enrolment token was given: pass --token or set IMGSWARM_ENROLMENT_TOKEN`,
      ),
    )
    const refused = init(join(dir.path, 'refused.json'), { enrolmentToken: 'wrong-token-wrong-token-wrong' })
    await expect(ensureEnrolled(refused)).rejects.toThrow(EnrolmentError)
    await expect(ensureEnrolled(refused)).rejects.toThrow(/refused to enrol this node \(401 .*\): check the enrolment token/)
    expect(refused.calls).toHaveLength(2) // no retrying a refusal

    const damaged = join(dir.path, 'damaged.json')
    await writeFile(damaged, '{"format":1,"nodeId":')
    await expect(ensureEnrolled(init(damaged))).rejects.toThrow(EnrolmentFileError)
    await expect(new EnrolmentFile(damaged).load()).rejects.toThrow(/remove it to enrol this node again/)
  })
})
