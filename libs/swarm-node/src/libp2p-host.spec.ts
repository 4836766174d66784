// The libp2p host on its own: real nodes on loopback, no imgswarm protocol on top.
import { afterEach, describe, expect, it } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Libp2p } from '@libp2p/interface'
import { createHost } from './libp2p-host.js'

describe('createHost', () => {
  const hosts: Libp2p[] = []
  const host = async (): Promise<Libp2p> => {
    const h = await createHost({ privateKey: await generateKeyPair('Ed25519') })
    await h.start()
    hosts.push(h)
    return h
  }
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.stop()))
  })

  it('accepts many peers from one address at once (agents behind one NAT, or on one machine)', async () => {
    // libp2p's default refuses a sixth inbound connection per second from one IP address and an
    // eleventh waiting for its upgrade: a site of agents behind one NAT address joining a seed
    // together would be turned away and left to redial.
    const seed = await host()
    const agents = await Promise.all(Array.from({ length: 16 }, () => host()))
    const results = await Promise.allSettled(agents.map((a) => a.dial(seed.getMultiaddrs()[0], { signal: AbortSignal.timeout(20_000) })))
    const refused = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))
    expect(refused).toEqual([])
    // the listener counts a connection once its side of the upgrade is done, a moment after the dialer
    const deadline = Date.now() + 10_000
    while (seed.getConnections().length < agents.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(seed.getConnections().length).toBe(agents.length)
  }, 60_000)
})
