import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { basename } from 'node:path'
import { pipeline } from 'node:stream/promises'

/**
 * A plain static server for one file, the "central server" the swarm is compared with: GET or
 * HEAD `/<file name>` streams it with its length; anything else is a 404.
 */
export async function serveFile(path: string, host: string, port: number): Promise<Server> {
  const { size } = await stat(path)
  const route = `/${basename(path)}`
  const server = createServer((req, res) => {
    if (req.url !== route || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size })
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    pipeline(createReadStream(path, { highWaterMark: 2 ** 20 }), res).catch(() => res.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  return server
}
