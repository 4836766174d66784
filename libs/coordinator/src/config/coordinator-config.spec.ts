import { describe, expect, it } from '@jest/globals'
import { InvalidInputError } from '@imgswarm/core'
import { join } from 'node:path'
import { CoordinatorConfigError } from '../errors.js'
import { ADMIN_TOKEN, ENROLMENT_TOKEN, publisher } from '../testing/fixtures.js'
import { resolveConfig, type CoordinatorOptions } from './coordinator-config.js'

const good: CoordinatorOptions = {
  dataDir: '/var/lib/imgswarm',
  adminToken: ADMIN_TOKEN,
  enrolmentToken: ENROLMENT_TOKEN,
  trustedPublishers: [publisher.publicKey],
}

describe('resolveConfig', () => {
  it('fills in defaults: loopback host, port 7700, the store inside the data dir', () => {
    const c = resolveConfig(good)
    expect(c).toMatchObject({ host: '127.0.0.1', port: 7700, dbPath: join('/var/lib/imgswarm', 'coordinator-db') })
    expect(c.trustedPublishers).toEqual([publisher.publicKey])
    expect(c.heartbeatTimeoutMs).toBeGreaterThan(c.heartbeatIntervalMs)
  })

  it('lists every problem at once', () => {
    let caught: unknown
    try {
      resolveConfig({
        dataDir: '',
        port: 70_000,
        adminToken: 'short',
        enrolmentToken: 'has a space in it, so no',
        trustedPublishers: ['z6MkNotAKey'],
        heartbeatIntervalMs: 10_000,
        heartbeatTimeoutMs: 5_000,
        maxHints: 0,
      })
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(CoordinatorConfigError)
    expect(caught).toBeInstanceOf(InvalidInputError)
    const message = (caught as Error).message
    for (const part of ['dataDir', 'port: 70000', 'adminToken: at least 16', 'enrolmentToken: printable ASCII', 'trustedPublishers[0]', 'heartbeatTimeoutMs: 5000 must be longer', 'maxHints']) {
      expect(message).toContain(part)
    }
  })

  it('refuses equal tokens and an empty trust list', () => {
    expect(() => resolveConfig({ ...good, enrolmentToken: ADMIN_TOKEN })).toThrow(/must differ from the admin token/)
    expect(() => resolveConfig({ ...good, trustedPublishers: [] })).toThrow(/at least one trusted publisher key/)
  })
})
