import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DEFAULT_METRICS_HOST } from './constants.js'

export interface MetricsServerInit {
  /** 0 for an ephemeral port. */
  port: number
  /** Default 127.0.0.1: metrics and health are not exposed beyond the host unless asked. */
  host?: string
  /** Prometheus text for `/metrics`. */
  metrics: () => Promise<string>
  contentType: string
  /** Body of `/healthz`; `ok: false` answers 503. */
  health: () => { ok: boolean } & Record<string, unknown>
}

export interface MetricsServer {
  url: string
  port: number
  close(): Promise<void>
}

/** A tiny HTTP server with `GET /healthz` (JSON) and `GET /metrics` (Prometheus text). */
export async function startMetricsServer(init: MetricsServerInit): Promise<MetricsServer> {
  const server = createServer((req, res) => void handle(init, req, res))
  const host = init.host ?? DEFAULT_METRICS_HOST
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(init.port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  return {
    url: `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

async function handle(init: MetricsServerInit, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n')
    } else if (path === '/healthz') {
      const health = init.health()
      res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(health)}\n`)
    } else if (path === '/metrics') {
      const text = await init.metrics()
      res.writeHead(200, { 'content-type': init.contentType }).end(text)
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz or /metrics\n')
    }
  } catch (err) {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
    res.end(`error: ${(err as Error).message}\n`)
  }
}
