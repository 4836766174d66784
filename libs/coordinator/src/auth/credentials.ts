import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** Bytes of randomness in a node credential's secret part. */
const SECRET_BYTES = 32

/** A fresh node id, short enough to read in status tables. */
export function newNodeId(): string {
  return `node-${randomBytes(6).toString('hex')}`
}

/**
 * A node credential `<nodeId>.<secret>`: the id says whose it is, the secret (256 random bits)
 * proves it. Only `hash` is stored.
 */
export function newNodeCredential(nodeId: string): { credential: string; hash: string } {
  const secret = randomBytes(SECRET_BYTES).toString('base64url')
  return { credential: `${nodeId}.${secret}`, hash: sha256Hex(secret) }
}

/** Splits a presented credential; undefined if it does not have the shape of one. */
export function parseNodeCredential(token: string): { nodeId: string; secret: string } | undefined {
  const dot = token.lastIndexOf('.')
  if (dot <= 0 || dot === token.length - 1) return undefined
  return { nodeId: token.slice(0, dot), secret: token.slice(dot + 1) }
}

/** True when `secret` hashes to `storedHash`, compared in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const actual = Buffer.from(sha256Hex(secret), 'hex')
  const expected = Buffer.from(storedHash, 'hex')
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** Constant-time equality of two tokens of any lengths (both are hashed to equal lengths first). */
export function tokensEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
