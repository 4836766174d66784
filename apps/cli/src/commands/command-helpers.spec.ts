import { describe, expect, it } from '@jest/globals'
import { InvalidArgumentError } from 'commander'
import { ADMIN_TOKEN_ENV, ENROLMENT_TOKEN_ENV, parseUrl } from '../admin-client.js'
import { metricValue } from '../prometheus-text.js'
import { ENROLMENT_TOKEN_ENV as AGENT_ENROLMENT_TOKEN_ENV } from './agent.js'
import { DEFAULT_HOST, DEFAULT_PORT } from './coordinator.js'
import { collectSeedAddr, groupSeeds } from './publish.js'

// loaded as the coordinator command loads it (lazily), which the module-boundary rule requires
const coordinatorLib = await import('@imgswarm/coordinator')

const PEER_A = '12D3KooWQYuqTtKE97AVNTKedz2Rov2zJ9fiCzT8GsVhYEg1gfTd'
const PEER_B = '12D3KooWR1jGYutZrCXcrE5WevdhVc8rRGxM2xrTNArQXYzDn7cW'

describe('command helpers', () => {
  it('keep the coordinator library defaults and environment names (the CLI does not load it to define flags)', () => {
    expect([DEFAULT_PORT, DEFAULT_HOST]).toEqual([coordinatorLib.DEFAULT_PORT, coordinatorLib.DEFAULT_HOST])
    expect([ADMIN_TOKEN_ENV, ENROLMENT_TOKEN_ENV]).toEqual([coordinatorLib.ADMIN_TOKEN_ENV, coordinatorLib.ENROLMENT_TOKEN_ENV])
    expect(AGENT_ENROLMENT_TOKEN_ENV).toBe(coordinatorLib.ENROLMENT_TOKEN_ENV)
  })

  it('accepts seed addresses ending in a peer id and groups them by peer', () => {
    const addrs = [`/ip4/10.0.0.9/tcp/7711/p2p/${PEER_A}`, `/ip4/10.0.0.10/tcp/7711/p2p/${PEER_B}`, `/ip6/::1/tcp/7711/p2p/${PEER_A}`]
    const collected = addrs.reduce<string[]>((all, a) => collectSeedAddr(a, all), [])
    expect(groupSeeds(collected)).toEqual([
      { peerId: PEER_A, addrs: [addrs[0], addrs[2]] },
      { peerId: PEER_B, addrs: [addrs[1]] },
    ])
    expect(() => collectSeedAddr('/ip4/10.0.0.9/tcp/7711')).toThrow(InvalidArgumentError)
    expect(() => collectSeedAddr(PEER_A)).toThrow(/ending in \/p2p\/<peer id>/)
  })

  it('accepts only http(s) coordinator URLs', () => {
    expect(parseUrl('http://127.0.0.1:7700')).toBe('http://127.0.0.1:7700')
    expect(() => parseUrl('127.0.0.1:7700')).toThrow(InvalidArgumentError)
    expect(() => parseUrl('ftp://host')).toThrow(/http or https/)
  })

  it('reads unlabelled samples from Prometheus text', () => {
    const text = '# HELP x_total X\n# TYPE x_total counter\nx_total 42\nx_total_created 1\ny{state="a"} 1\n'
    expect(metricValue(text, 'x_total')).toBe(42)
    expect(metricValue(text, 'missing')).toBeUndefined()
  })
})
