import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { access } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { CoordinatorConfigError } from '../errors.js'
import { startTestCoordinator } from '../e2e/harness.js'
import { tempDir } from '../testing/fixtures.js'

describe('startCoordinator', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let blocker: Server
  let busyPort: number

  beforeAll(async () => {
    dir = await tempDir()
    blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    busyPort = (blocker.address() as { port: number }).port
  })
  afterAll(async () => {
    await new Promise((resolve) => blocker.close(resolve))
    await dir.remove()
  })

  it('refuses a bad configuration before touching the disk', async () => {
    const dataDir = join(dir.path, 'never-created')
    await expect(startTestCoordinator(dataDir, { adminToken: 'short' })).rejects.toThrow(CoordinatorConfigError)
    await expect(access(dataDir)).rejects.toThrow(/ENOENT/)
  })

  it('releases the store when the port is taken, so a retry can start', async () => {
    const dataDir = join(dir.path, 'busy')
    await expect(startTestCoordinator(dataDir, { port: busyPort })).rejects.toThrow(/EADDRINUSE/)
    const c = await startTestCoordinator(dataDir)
    expect(c.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    await c.close()
    await c.close() // idempotent
  })
})
