import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { CoordinatorApiError, CoordinatorClient } from '@imgswarm/coordinator-client'
import { generatePublisherKey } from '@imgswarm/manifest'
import request from 'supertest'
import type { RunningCoordinator } from '../app/start-coordinator.js'
import { ADMIN_TOKEN, ENROLMENT_TOKEN, RecordingSeeder, signedImage, tempDir } from '../testing/fixtures.js'
import { SimulatedAgent, startTestCoordinator } from './harness.js'

const admin = (token = ADMIN_TOKEN) => ({ Authorization: `Bearer ${token}` })

describe('coordinator over HTTP: auth, validation, images, docs, metrics', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let c: RunningCoordinator
  let api: CoordinatorClient
  let agent: SimulatedAgent
  let other: SimulatedAgent
  const seeder = new RecordingSeeder()

  beforeAll(async () => {
    dir = await tempDir()
    c = await startTestCoordinator(dir.path, { seeder })
    api = new CoordinatorClient({ url: c.url, token: ADMIN_TOKEN })
    agent = await SimulatedAgent.enrol(c.url, { site: 'a' }, 1)
    other = await SimulatedAgent.enrol(c.url, { site: 'b' }, 2)
  })
  afterAll(async () => {
    await c.close()
    await dir.remove()
  })

  describe('auth', () => {
    it('answers 401 with a JSON message and no data without a token or with a wrong one', async () => {
      for (const headers of [{}, admin('wrong-token-0123456789'), admin(`${agent.nodeId}.forged`), { Authorization: 'Basic abc' }]) {
        const res = await request(c.url).get('/api/v1/nodes').set(headers)
        expect(res.status).toBe(401)
        expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.stringMatching(/bearer token/) })
      }
    })

    it('answers 403 to a valid token of the wrong kind', async () => {
      let res = await request(c.url).get('/api/v1/nodes').set(admin(ENROLMENT_TOKEN))
      expect(res.status).toBe(403)
      expect(res.body.message).toBe("this endpoint needs the admin token, not the enrolment token")
      res = await request(c.url).get('/api/v1/rollouts').set(admin(agent.credential))
      expect(res.status).toBe(403)
      res = await request(c.url).post('/api/v1/nodes/enrol').set(admin()).send({})
      expect(res.status).toBe(403)
      res = await request(c.url).post(`/api/v1/nodes/${other.nodeId}/heartbeat`).set(admin(agent.credential)).send({ state: 'idle' })
      expect(res.status).toBe(403)
      expect(res.body.message).toBe(`this credential belongs to node ${agent.nodeId}, not to ${other.nodeId}`)
      expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'statusCode'])
    })

    it('lets each token do its job', async () => {
      expect((await agent.beat()).nodeId).toBe(agent.nodeId)
      expect((await api.listNodes()).map((n) => n.id)).toEqual(expect.arrayContaining([agent.nodeId, other.nodeId]))
      expect(await agent.client.listImages()).toEqual([])
      expect((await request(c.url).get('/healthz')).body).toMatchObject({ status: 'ok', store: 'open' })
    })
  })

  describe('bad input', () => {
    it('refuses malformed bodies with 400 and every message', async () => {
      let res = await request(c.url).post('/api/v1/nodes/enrol').set(admin(ENROLMENT_TOKEN)).send({ labels: { site: 'a' }, bogus: 1, addrs: 'x' })
      expect(res.status).toBe(400)
      expect(res.body.message).toEqual(expect.arrayContaining(['property bogus should not exist', 'addrs must be an array']))
      res = await request(c.url)
        .post(`/api/v1/nodes/${agent.nodeId}/heartbeat`)
        .set(admin(agent.credential))
        .send({ state: 'sleeping', bytesDone: -1 })
      expect(res.status).toBe(400)
      expect(res.body.message.join('\n')).toMatch(/state must be one of the following values: idle, downloading, verifying, active, failed/)
      expect(res.body.message.join('\n')).toMatch(/bytesDone must not be less than 0/)
      res = await request(c.url).post('/api/v1/rollouts').set(admin()).send({ image: 'x' })
      expect(res.status).toBe(400)
      expect(res.body.message).toEqual(expect.arrayContaining(['version must be a string', 'selector must be a string', 'waves must be a string']))
      res = await request(c.url).post('/api/v1/rollouts').set(admin()).set('content-type', 'application/json').send('{"image": ')
      expect(res.status).toBe(400)
      expect(res.body.message).toMatch(/^malformed JSON body/)
      res = await request(c.url).get('/api/v1/swarm/hints?limit=0').set(admin(agent.credential))
      expect(res.status).toBe(400)
      expect(res.body.message).toEqual(expect.arrayContaining(['manifest must be a CID (letters and digits)', 'limit must not be less than 1']))
    })

    it('refuses wrong labels, unknown ids, absurd waves and selectors matching nothing, each with its message', async () => {
      await expect(new CoordinatorClient({ url: c.url, token: ENROLMENT_TOKEN }).enrol({ labels: { site: 'a b' } })).rejects.toMatchObject({
        status: 400,
        message: expect.stringMatching(/label "site": the value may hold/),
      })
      await expect(api.getRollout('r-404')).rejects.toMatchObject({ status: 404, apiCode: 'ERR_NOT_FOUND', message: '404 rollout r-404 does not exist' })
      await expect(api.getNode('node-404')).rejects.toMatchObject({ status: 404 })
      await expect(api.getImage('nope', '1')).rejects.toMatchObject({ status: 404 })
      const img = signedImage('bad-input', '1')
      await api.registerImage({ manifest: img.base64 })
      const base = { image: 'bad-input', version: '1', selector: '*', waves: '100%' }
      await expect(api.createRollout({ ...base, waves: '50%,40%,100%' })).rejects.toMatchObject({
        status: 400,
        message: '400 wave #2 "40%": waves are cumulative and must grow strictly (it follows 50%)',
      })
      await expect(api.createRollout({ ...base, waves: '0%,100%' })).rejects.toMatchObject({ status: 400 })
      await expect(api.createRollout({ ...base, selector: 'site=mars' })).rejects.toMatchObject({
        status: 422,
        apiCode: 'ERR_NO_MATCHING_NODES',
        message: expect.stringMatching(/selector site=mars matches none of the 2 enrolled nodes/),
      })
      await expect(api.createRollout({ ...base, maxFailures: '200%' })).rejects.toMatchObject({ status: 400 })
      expect(await api.listRollouts()).toEqual([])
    })
  })

  describe('images', () => {
    it('registers a real signed manifest (201, then 200), hands it to the seed and serves it back', async () => {
      const img = signedImage('win11-iot', '2026.11')
      let res = await request(c.url).post('/api/v1/images').set(admin()).send({ manifest: img.base64, sourcePath: '/srv/win11.img' })
      expect(res.status).toBe(201)
      expect(res.body).toMatchObject({ name: 'win11-iot', version: '2026.11', manifestCid: img.cid, seededByCoordinator: true })
      res = await request(c.url).post('/api/v1/images').set(admin()).send({ manifest: img.base64 })
      expect(res.status).toBe(200)
      expect(seeder.served.some((s) => s.manifestCid === img.cid && s.sourcePath === '/srv/win11.img')).toBe(true)
      const back = await agent.client.getManifest(img.cid)
      expect(Buffer.from(back.manifest, 'base64')).toEqual(Buffer.from(img.bytes))
      expect((await api.getImage('win11-iot', '2026.11')).manifestCid).toBe(img.cid)
    })

    it('refuses a bad signature and an untrusted publisher with 422 and the reason, storing nothing', async () => {
      const img = signedImage('tampered', '1')
      const bytes = Buffer.from(img.bytes)
      bytes[bytes.length - 1] ^= 0xff
      const err = await api.registerImage({ manifest: bytes.toString('base64') }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(CoordinatorApiError)
      expect(err).toMatchObject({ status: 422, apiCode: 'ERR_MANIFEST_SIGNATURE', message: expect.stringMatching(/signature does not verify/) })
      await expect(api.registerImage({ manifest: signedImage('stranger', '1', generatePublisherKey()).base64 })).rejects.toMatchObject({
        status: 422,
        apiCode: 'ERR_UNTRUSTED_PUBLISHER',
      })
      await expect(api.registerImage({ manifest: 'bm90IGEgbWFuaWZlc3Q=' })).rejects.toMatchObject({ status: 400 })
      await expect(api.registerImage({ manifest: signedImage('win11-iot', '2026.11', undefined, 7).base64 })).rejects.toMatchObject({
        status: 409,
        apiCode: 'ERR_CONFLICT',
      })
      const names = (await api.listImages()).map((i) => i.name)
      expect(names).not.toContain('tampered')
      expect(names).not.toContain('stranger')
    })

    it('parses a large body only for the admin', async () => {
      const big = { manifest: 'A'.repeat(400_000) }
      const anonymous = await request(c.url).post('/api/v1/images').send(big)
      expect(anonymous.status).toBe(413)
      const asAdmin = await request(c.url).post('/api/v1/images').set(admin()).send(big)
      expect(asAdmin.status).toBe(400)
    })
  })

  describe('docs and metrics', () => {
    it('serves the OpenAPI document listing every endpoint, and its UI', async () => {
      const res = await request(c.url).get('/api/docs-json')
      expect(res.status).toBe(200)
      expect(res.body.openapi).toMatch(/^3\./)
      const paths = Object.keys(res.body.paths)
      for (const p of [
        '/api/v1/images',
        '/api/v1/images/{name}/{version}',
        '/api/v1/manifests/{cid}',
        '/api/v1/nodes/enrol',
        '/api/v1/nodes/{id}/heartbeat',
        '/api/v1/nodes',
        '/api/v1/rollouts',
        '/api/v1/rollouts/{id}',
        '/api/v1/rollouts/{id}/rollback',
        '/api/v1/swarm/hints',
        '/api/v1/status',
        '/healthz',
        '/metrics',
      ]) {
        expect(paths).toContain(p)
      }
      expect(res.body.components.schemas.CreateRolloutDto.required).toEqual(['image', 'version', 'selector', 'waves'])
      const ui = await request(c.url).get('/api/docs')
      expect(ui.status).toBe(200)
      expect(ui.text).toMatch(/swagger/i)
    })

    it('exposes Prometheus metrics: nodes, rollouts, heartbeats, request durations', async () => {
      await agent.beat()
      const text = await api.metrics()
      expect(text).toContain('# TYPE imgswarm_nodes gauge')
      expect(text).toMatch(/^imgswarm_nodes\{state="idle"\} \d+$/m)
      expect(text).toMatch(/^imgswarm_rollouts\{status="running"\} 0$/m)
      expect(text).toMatch(/^imgswarm_heartbeats_total [1-9]\d*$/m)
      expect(text).toMatch(/imgswarm_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/nodes\/:id\/heartbeat",status="200"\} [1-9]/)
      const res = await request(c.url).get('/metrics')
      expect(res.headers['content-type']).toMatch(/^text\/plain/)
    })
  })
})
