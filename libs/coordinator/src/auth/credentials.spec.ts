import { describe, expect, it } from '@jest/globals'
import { newNodeCredential, newNodeId, parseNodeCredential, secretMatches, tokensEqual } from './credentials.js'

describe('node credentials', () => {
  it('are <nodeId>.<secret>; only the hash of the secret is needed to check them', () => {
    const id = newNodeId()
    expect(id).toMatch(/^node-[0-9a-f]{12}$/)
    const { credential, hash } = newNodeCredential(id)
    expect(credential.startsWith(`${id}.`)).toBe(true)
    expect(hash).not.toContain(credential.slice(id.length + 1))
    const parsed = parseNodeCredential(credential)
    expect(parsed?.nodeId).toBe(id)
    expect(secretMatches(parsed?.secret ?? '', hash)).toBe(true)
    expect(secretMatches(`${parsed?.secret}x`, hash)).toBe(false)
    expect(newNodeCredential(id).credential).not.toBe(credential)
  })

  it('refuses tokens without the shape', () => {
    expect(parseNodeCredential('no-dot')).toBeUndefined()
    expect(parseNodeCredential('.secret')).toBeUndefined()
    expect(parseNodeCredential('node.')).toBeUndefined()
  })

  it('compares static tokens of any length', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true)
    expect(tokensEqual('abc', 'abcd')).toBe(false)
    expect(tokensEqual('', 'abc')).toBe(false)
  })
})
