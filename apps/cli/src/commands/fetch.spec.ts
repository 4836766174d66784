import { describe, expect, it } from '@jest/globals'
import { PassThrough } from 'node:stream'
import { InvalidInputError } from '@imgswarm/core'
import { connectWithRetry, waitForStartLine, type Dialer } from './fetch.js'

/** A dialer whose addresses answer from their n-th dial on (0: never). */
function flakyDialer(answerFrom: Record<string, number>): Dialer & { dials: string[] } {
  const dials: string[] = []
  return {
    dials,
    connect: (addrs) => {
      for (const a of addrs) dials.push(a)
      const ok = addrs.filter((a) => answerFrom[a] > 0 && dials.filter((d) => d === a).length >= answerFrom[a])
      return Promise.resolve(ok.length)
    },
  }
}

describe('connectWithRetry', () => {
  it('redials only the addresses that did not answer, until they do', async () => {
    const node = flakyDialer({ a: 1, b: 3 })
    const retries: string[][] = []
    const reached = await connectWithRetry(node, ['a', 'b'], {
      withinMs: 60_000,
      backoffMs: 1,
      onRetry: (unreached) => retries.push([...unreached]),
    })
    expect(reached).toBe(2)
    expect(node.dials).toEqual(['a', 'b', 'b', 'b'])
    expect(retries).toEqual([['b'], ['b']])
  })

  it('gives up once the time is spent and says how many answered', async () => {
    const node = flakyDialer({ a: 1, dead: 0 })
    const reached = await connectWithRetry(node, ['a', 'dead'], { withinMs: 30, backoffMs: 5, backoffMaxMs: 5 })
    expect(reached).toBe(1)
    expect(node.dials.filter((d) => d === 'dead').length).toBeGreaterThan(1)
    expect(node.dials.filter((d) => d === 'a')).toHaveLength(1)
  })

  it('dials once and does not wait when no time is given', async () => {
    const node = flakyDialer({ dead: 0 })
    let retried = false
    expect(await connectWithRetry(node, ['dead'], { withinMs: 0, onRetry: () => (retried = true) })).toBe(0)
    expect(node.dials).toEqual(['dead'])
    expect(retried).toBe(false)
  })

  it('reaches nothing and dials nothing for no addresses', async () => {
    const node = flakyDialer({})
    expect(await connectWithRetry(node, [], { withinMs: 1000 })).toBe(0)
    expect(node.dials).toEqual([])
  })
})

describe('waitForStartLine', () => {
  it('resolves on the first complete line, not before', async () => {
    const input = new PassThrough()
    let started = false
    const waiting = waitForStartLine(input).then(() => (started = true))
    input.write('sta')
    await new Promise((r) => setImmediate(r))
    expect(started).toBe(false)
    input.write('rt\n')
    await waiting
    expect(started).toBe(true)
    input.end()
  })

  it('rejects with a clear error when stdin closes first', async () => {
    const input = new PassThrough()
    const waiting = waitForStartLine(input)
    input.end('no newline')
    await expect(waiting).rejects.toThrow(InvalidInputError)
    await expect(waiting).rejects.toThrow(/stdin closed before the start line arrived/)
  })
})
