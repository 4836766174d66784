import { describe, expect, it } from '@jest/globals'
import { InvalidInputError } from '@imgswarm/core'
import { agentAddress, agentName, planNetwork } from './network-plan.js'
import { listNamespaces, removeNamespaces, type CommandRunner } from './test-network.js'

const caps = (up: number, down: number) => ({ upBitsPerS: up, downBitsPerS: down })

describe('planNetwork', () => {
  const plan = planNetwork({ prefix: 'isbt-', subnet: '10.77', seed: caps(100e6, 200e6), agents: [caps(50e6, 200e6), caps(50e6, 200e6)] })

  it('puts the seed and each agent in a namespace of its own, addressed inside the private /16', () => {
    expect(plan.switchNs).toBe('isbt-sw')
    expect(plan.seed).toMatchObject({ name: 'seed', ns: 'isbt-seed', ip: '10.77.0.1', switchPort: 'sw-seed' })
    expect(plan.agents.map((a) => [a.ns, a.ip])).toEqual([['isbt-a01', '10.77.1.1'], ['isbt-a02', '10.77.1.2']])
    const created = plan.commands.filter((c) => c.slice(0, 3).join(' ') === 'ip netns add').map((c) => c[3])
    expect(created).toEqual(['isbt-sw', 'isbt-seed', 'isbt-a01', 'isbt-a02'])
    // every command addresses one of our namespaces: nothing touches the host's interfaces
    for (const argv of plan.commands) {
      const ns = argv[1] === '-n' ? argv[2] : argv[1] === 'netns' ? argv[3] : undefined
      expect(ns?.startsWith('isbt-')).toBe(true)
    }
  })

  it('caps the uplink on the node and the downlink on its bridge port', () => {
    const rateOn = (ns: string, dev: string) =>
      plan.commands.find((c) => c[0] === 'tc' && c[2] === ns && c[3] === 'class' && c[6] === dev)?.[13]
    expect(rateOn('isbt-seed', 'eth0')).toBe('100000000bit')
    expect(rateOn('isbt-sw', 'sw-seed')).toBe('200000000bit')
    expect(rateOn('isbt-a02', 'eth0')).toBe('50000000bit')
    expect(rateOn('isbt-sw', 'sw-a02')).toBe('200000000bit')
  })

  it('names and numbers agents so that they sort, beyond 250 per /24', () => {
    expect(agentName(0, 16)).toBe('a01')
    expect(agentName(99, 120)).toBe('a100')
    expect(agentName(4, 120)).toBe('a005')
    expect(agentAddress('10.77', 249)).toBe('10.77.1.250')
    expect(agentAddress('10.77', 250)).toBe('10.77.2.1')
  })

  it('refuses public subnets, odd prefixes and empty swarms', () => {
    expect(() => planNetwork({ prefix: 'isbt-', subnet: '8.8', seed: caps(1e6, 1e6), agents: [caps(1e6, 1e6)] })).toThrow(InvalidInputError)
    expect(() => planNetwork({ prefix: 'a b', subnet: '10.77', seed: caps(1e6, 1e6), agents: [caps(1e6, 1e6)] })).toThrow(/prefix/)
    expect(() => planNetwork({ prefix: 'isbt-', subnet: '10.77', seed: caps(1e6, 1e6), agents: [] })).toThrow(/agent count/)
  })
})

describe('namespace cleanup', () => {
  it('deletes only namespaces under the prefix, after killing what runs in them', () => {
    const calls: string[] = []
    const run: CommandRunner = (argv) => {
      calls.push(argv.join(' '))
      if (argv.join(' ') === 'ip netns list') return 'isbt-sw (id: 3)\nother-ns\nisbt-a01\n'
      return ''
    }
    expect(listNamespaces('isbt-', run)).toEqual(['isbt-sw', 'isbt-a01'])
    calls.length = 0
    expect(removeNamespaces('isbt-', run)).toEqual(['isbt-sw', 'isbt-a01'])
    expect(calls).toEqual([
      'ip netns list',
      'ip netns pids isbt-sw',
      'ip netns pids isbt-a01',
      'ip netns del isbt-sw',
      'ip netns del isbt-a01',
    ])
  })
})
