import { describe, expect, it } from '@jest/globals'
import { Bitfield } from '@imgswarm/core'
import { SimulationError } from './errors.js'
import { SimulatedSwarm } from './memory-network.js'
import type { PeerHello, SwarmEvents } from './network.js'

/** A listener that writes down what it receives, with the virtual time. */
function recorder(swarm: SimulatedSwarm): { events: SwarmEvents; log: string[] } {
  const log: string[] = []
  const at = (): string => `@${swarm.now}`
  const events: SwarmEvents = {
    peerJoined: (p, h) => log.push(`joined ${p} have=${h.haves.count} ${at()}`),
    peerHave: (p, i) => log.push(`have ${p} [${i.join(',')}] ${at()}`),
    peerLeft: (p) => log.push(`left ${p} ${at()}`),
    chunkReceived: (p, i, b) => log.push(`chunk ${p} ${i} ${b.byteLength}B ${at()}`),
    chunkRejected: (p, i, r) => log.push(`reject ${p} ${i} ${r} ${at()}`),
    chunkRequested: (p, i) => log.push(`request ${p} [${i.join(',')}] ${at()}`),
    requestCancelled: (p, i) => log.push(`cancel ${p} [${i.join(',')}] ${at()}`),
  }
  return { events, log }
}

const hello = (count: number): (() => PeerHello) => () => ({ haves: new Bitfield(4, Uint8Array.from([(0xf0 << (4 - count)) & 0xf0])) })

describe('SimulatedSwarm', () => {
  it('delivers messages after both access latencies, in order, only on open sessions', async () => {
    const swarm = new SimulatedSwarm()
    const a = swarm.addNode({ id: 'a', upBps: 1e6, downBps: 1e6, latencyMs: 3, hello: hello(2) })
    const b = swarm.addNode({ id: 'b', upBps: 1e6, downBps: 1e6, latencyMs: 7, hello: hello(1) })
    const ra = recorder(swarm)
    const rb = recorder(swarm)
    a.attach(ra.events)
    b.attach(rb.events)
    expect(swarm.connect('a', 'b')).toBe(true)
    expect(swarm.connect('b', 'a')).toBe(false) // already connected
    a.request('b', [1, 2])
    a.announce([3])
    a.cancel('b', [2])
    b.reject('a', 1, 'not-have')
    await swarm.run()
    expect(rb.log).toEqual(['joined a have=2 @10', 'request a [1,2] @10', 'have a [3] @10', 'cancel a [2] @10'])
    expect(ra.log).toEqual(['joined b have=1 @10', 'reject b 1 not-have @10'])
    a.request('c', [1]) // no session: dropped quietly
    expect(() => swarm.connect('a', 'a')).toThrow(SimulationError)
  })

  it('shares an uplink equally among the chunks crossing it', async () => {
    const swarm = new SimulatedSwarm({ latencyMs: 0 })
    const h = hello(0)
    const src = swarm.addNode({ id: 'src', upBps: 1000, downBps: 1e9, hello: h })
    for (const id of ['x', 'y']) swarm.addNode({ id, upBps: 1e9, downBps: 1e9, hello: h })
    const rx = recorder(swarm)
    const ry = recorder(swarm)
    swarm.node('x').attach(rx.events)
    swarm.node('y').attach(ry.events)
    swarm.connect('src', 'x')
    swarm.connect('src', 'y')
    await swarm.run()
    const done: number[] = []
    void src.sendChunk('x', 0, new Uint8Array(1000)).then(() => done.push(swarm.now))
    void src.sendChunk('y', 1, new Uint8Array(500)).then(() => done.push(swarm.now))
    await swarm.run()
    // both at 500 B/s until y's 500 B are through at 1 s; then x alone at 1000 B/s: 500 B more
    expect(done).toEqual([1000, 1500])
    expect(rx.log.at(-1)).toBe('chunk src 0 1000B @1500')
    expect(src.bytesUp).toBe(1500)
    expect(swarm.node('x').bytesDown).toBe(1000)
  })

  it('shares a downlink equally among the chunks arriving on it', async () => {
    const swarm = new SimulatedSwarm({ latencyMs: 1 })
    const h = hello(0)
    swarm.addNode({ id: 'dst', upBps: 1e9, downBps: 2000, hello: h })
    const p = swarm.addNode({ id: 'p', upBps: 1e9, downBps: 1e9, hello: h })
    const q = swarm.addNode({ id: 'q', upBps: 1e9, downBps: 1e9, hello: h })
    const r = recorder(swarm)
    swarm.node('dst').attach(r.events)
    swarm.connect('dst', 'p')
    swarm.connect('dst', 'q')
    await swarm.run()
    void p.sendChunk('dst', 0, new Uint8Array(1000))
    void q.sendChunk('dst', 1, new Uint8Array(1000))
    await swarm.run()
    // 1000 B/s each, 1 s, plus the 2 ms link delay
    expect(r.log.slice(-2).sort()).toEqual(['chunk p 0 1000B @1004', 'chunk q 1 1000B @1004'])
  })

  it('aborts sends and tells both ends when a session closes, and keeps banned peers out', async () => {
    const swarm = new SimulatedSwarm({ latencyMs: 1 })
    const h = hello(0)
    const a = swarm.addNode({ id: 'a', upBps: 100, downBps: 100, hello: h })
    const b = swarm.addNode({ id: 'b', upBps: 100, downBps: 100, hello: h })
    const ra = recorder(swarm)
    const rb = recorder(swarm)
    a.attach(ra.events)
    b.attach(rb.events)
    swarm.connect('a', 'b')
    await swarm.run()
    const send = a.sendChunk('b', 0, new Uint8Array(1000))
    let failure: unknown
    send.catch((err: unknown) => (failure = err))
    await swarm.run({ until: 500 })
    b.ban('a', 'lied')
    await swarm.run()
    expect(failure).toBeInstanceOf(SimulationError)
    expect(rb.log).not.toContain('chunk a 0 1000B')
    expect(ra.log.at(-1)).toMatch(/^left b/)
    expect(rb.log.at(-1)).toMatch(/^left a/)
    expect(b.bans).toEqual([{ peer: 'a', reason: 'lied' }])
    expect(swarm.connect('a', 'b')).toBe(false)
    await expect(a.sendChunk('b', 1, new Uint8Array(1))).rejects.toThrow(/no session/)
  })

  it('refuses nodes it cannot model', () => {
    const swarm = new SimulatedSwarm()
    swarm.addNode({ id: 'a', upBps: 1, downBps: 1 })
    expect(() => swarm.addNode({ id: 'a', upBps: 1, downBps: 1 })).toThrow(/already exists/)
    expect(() => swarm.addNode({ id: 'b', upBps: 0, downBps: 1 })).toThrow(/upBps/)
    expect(() => swarm.node('zz')).toThrow(/no node zz/)
  })
})
