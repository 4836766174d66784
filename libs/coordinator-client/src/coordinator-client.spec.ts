import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CoordinatorClient } from './coordinator-client.js'
import { CoordinatorApiError, CoordinatorUnreachableError } from './errors.js'

interface Seen {
  method?: string
  url?: string
  auth?: string
  body?: string
}

describe('CoordinatorClient', () => {
  let server: Server
  let url: string
  const seen: Seen = {}

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        Object.assign(seen, { method: req.method, url: req.url, auth: req.headers.authorization, body })
        if (req.url?.startsWith('/api/v1/rollouts/missing')) {
          res.writeHead(404, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ statusCode: 404, error: 'Not Found', code: 'ERR_NOT_FOUND', message: 'rollout missing does not exist' }))
        } else if (req.url === '/api/v1/rollouts') {
          res.writeHead(400, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ statusCode: 400, error: 'Bad Request', message: ['selector must be a string', 'waves must be a string'] }))
        } else if (req.url === '/metrics') {
          res.writeHead(500, { 'content-type': 'text/plain' })
          res.end('boom')
        } else {
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ ok: true }))
        }
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  })

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  it('sends the bearer token, JSON body and encoded path segments', async () => {
    const client = new CoordinatorClient({ url, token: 'enrol-token' })
    await client.enrol({ labels: { site: 'a' } })
    expect(seen).toMatchObject({ method: 'POST', url: '/api/v1/nodes/enrol', auth: 'Bearer enrol-token' })
    expect(JSON.parse(seen.body ?? '')).toEqual({ labels: { site: 'a' } })
    await client.withToken('node-cred').getImage('win 11', '2026/11')
    expect(seen).toMatchObject({ method: 'GET', url: '/api/v1/images/win%2011/2026%2F11', auth: 'Bearer node-cred' })
    await client.hints('bafyabc', 5)
    expect(seen.url).toBe('/api/v1/swarm/hints?manifest=bafyabc&limit=5')
    await client.rolloutAction('r-1', 'rollback')
    expect(seen).toMatchObject({ method: 'POST', url: '/api/v1/rollouts/r-1/rollback' })
  })

  it('turns error statuses into CoordinatorApiError with the server message and code', async () => {
    const client = new CoordinatorClient({ url })
    const err = await client.getRollout('missing').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CoordinatorApiError)
    expect(err).toMatchObject({ status: 404, apiCode: 'ERR_NOT_FOUND', message: '404 rollout missing does not exist' })
    await expect(client.createRollout({ image: 'x', version: '1', selector: '*', waves: '100%' })).rejects.toThrow(
      '400 selector must be a string; waves must be a string',
    )
    await expect(client.metrics()).rejects.toThrow('500 boom')
  })

  it('reports an unreachable coordinator apart from error answers', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const err = await new CoordinatorClient({ url: `http://127.0.0.1:${port}` }).health().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CoordinatorUnreachableError)
    expect((err as Error).message).toMatch(/ECONNREFUSED/)
  })

  it('refuses a malformed URL up front', () => {
    expect(() => new CoordinatorClient({ url: 'not a url' })).toThrow(/not a valid URL/)
    expect(() => new CoordinatorClient({ url: 'ftp://x' })).toThrow(/http or https/)
  })
})
