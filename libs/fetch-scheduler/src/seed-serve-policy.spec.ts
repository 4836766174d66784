import { describe, expect, it } from '@jest/globals'
import { Bitfield } from '@imgswarm/core'
import type { ServeContext } from './serve-policy.js'
import { ServeQueue } from './serve-queue.js'
import { SeedServePolicy } from './seed-serve-policy.js'

const N = 8
const haves = (...indices: number[]): Bitfield => {
  const b = new Bitfield(N)
  for (const i of indices) b.set(i)
  return b
}

function context(queue: ServeQueue, active: number, now = 0, slots = 2): ServeContext {
  return { now, active, slots, queue, servedLately: () => 0, canSendTo: () => true }
}

describe('SeedServePolicy', () => {
  it('serves the chunk fewest peers hold first, then the one it sent least', () => {
    const policy = new SeedServePolicy({ chunkCount: N })
    policy.peerJoined('p1', haves(0, 1))
    policy.peerJoined('p2', haves(0))
    policy.peerJoined('p3', haves())
    const q = new ServeQueue()
    q.push('p3', 0) // held by 2 others
    q.push('p3', 1) // held by 1
    q.push('p3', 2) // held by none
    q.push('p3', 3) // held by none
    policy.sent('x', 2)
    expect(policy.next(context(q, 0))).toEqual({ peer: 'p3', index: 3 })
    q.take({ peer: 'p3', index: 3 })
    expect(policy.next(context(q, 0))).toEqual({ peer: 'p3', index: 2 })
    q.take({ peer: 'p3', index: 2 })
    expect(policy.next(context(q, 0))).toEqual({ peer: 'p3', index: 1 })
  })

  it("by default sends a first ask for a chunk a peer holds 'elsewhere' even when idle, and serves the second ask", () => {
    const policy = new SeedServePolicy({ chunkCount: N, elsewhereMemoryMs: 10_000 })
    policy.peerJoined('holder', haves(5))
    policy.peerJoined('p', haves())
    const q = new ServeQueue()
    expect(policy.admit('p', 5, context(q, 0))).toBe('elsewhere')
    expect(policy.admit('p', 5, context(q, 0, 1_000))).toBeUndefined()
    // a chunk nobody else holds is always served
    expect(policy.admit('p', 6, context(q, 0, 1_000))).toBeUndefined()
    // and a queued request is revoked as soon as someone else announces the chunk, idle or not
    q.push('p', 6)
    policy.peerHave('holder', [6])
    expect(policy.revoke(context(q, 0, 1_000))).toEqual([{ peer: 'p', index: 6 }])
  })

  it('counts a peer it sent a chunk to as a holder before that peer announces it', () => {
    const policy = new SeedServePolicy({ chunkCount: N })
    policy.peerJoined('a', haves())
    policy.peerJoined('b', haves())
    const q = new ServeQueue()
    expect(policy.admit('b', 3, context(q, 0))).toBeUndefined()
    policy.sent('a', 3)
    expect(policy.availabilityOf(3)).toBe(1)
    expect(policy.admit('b', 3, context(q, 0))).toBe('elsewhere')
    // a's own Have later does not count it twice; its leaving takes the copy away
    policy.peerHave('a', [3])
    expect(policy.availabilityOf(3)).toBe(1)
    policy.peerLeft('a')
    expect(policy.availabilityOf(3)).toBe(0)
  })

  it("with serveWhenIdle, sends a request 'elsewhere' only while rarer work fills its slots, and serves a second ask", () => {
    const policy = new SeedServePolicy({ chunkCount: N, elsewhereMemoryMs: 10_000, serveWhenIdle: true })
    policy.peerJoined('holder', haves(5))
    policy.peerJoined('p', haves())
    const q = new ServeQueue()
    // idle seed: it serves even a chunk a peer holds (spare uplink shortens the end)
    expect(policy.admit('p', 5, context(q, 0))).toBeUndefined()
    // one send under way, a request for a chunk nobody holds waiting: both slots are taken by
    // rarer work, so chunk 5 is for the holder to give
    q.push('other', 6)
    expect(policy.admit('p', 5, context(q, 1, 100))).toBe('elsewhere')
    // the peer asks again: it found nobody faster; served, and ahead of chunks peers hold
    q.take({ peer: 'other', index: 6 })
    policy.peerHave('holder', [4])
    q.push('other', 4)
    expect(policy.admit('p', 5, context(q, 1, 2_000))).toBeUndefined()
    q.push('p', 5)
    expect(policy.next(context(q, 1, 2_000))).toEqual({ peer: 'p', index: 5 })
    // a chunk nobody else holds is never sent elsewhere
    expect(policy.admit('p', 7, context(q, 2, 2_000))).toBeUndefined()
  })

  it('serves a chunk at once when the only peer that held it left', () => {
    const policy = new SeedServePolicy({ chunkCount: N })
    policy.peerJoined('holder', haves(2))
    policy.peerJoined('p', haves())
    const q = new ServeQueue()
    q.push('x', 3)
    expect(policy.admit('p', 2, context(q, 1))).toBe('elsewhere')
    policy.peerLeft('holder')
    expect(policy.availabilityOf(2)).toBe(0)
    expect(policy.admit('p', 2, context(q, 1))).toBeUndefined()
  })

  it('revokes a waiting request once another peer announces the chunk and rarer work is waiting', () => {
    const policy = new SeedServePolicy({ chunkCount: N })
    policy.peerJoined('a', haves())
    policy.peerJoined('b', haves())
    const q = new ServeQueue()
    q.push('a', 1)
    q.push('a', 2)
    q.push('b', 3)
    expect(policy.revoke(context(q, 1))).toEqual([])
    policy.peerHave('b', [1]) // b now holds 1: a should fetch it from b
    expect(policy.revoke(context(q, 1))).toEqual([{ peer: 'a', index: 1 }])
    // remembered: once told, a second ask is served and never revoked again
    expect(policy.revoke(context(q, 1))).toEqual([])
    expect(policy.timesSent(1)).toBe(0)
  })
})
