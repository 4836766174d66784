import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { StorageError } from '@imgswarm/core'
import { PUBLISHER_KEY_FILE } from './constants.js'
import { createSignedManifest } from './create-manifest.js'
import { PublisherKeyFileError } from './errors.js'
import { loadOrCreatePublisherKey, publisherKeyFromPem } from './publisher-key.js'
import { sampleInit } from './spec-helpers.js'
import { verifySignedManifest } from './verify.js'

describe('publisher key store', () => {
  let root: string

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'imgswarm-manifest-'))
  })

  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('creates the key on first use, in a missing directory, with mode 0600', async () => {
    const dataDir = join(root, 'deep', 'data')
    const key = await loadOrCreatePublisherKey(dataDir)
    expect(key.publicKey).toMatch(/^z6Mk[1-9A-HJ-NP-Za-km-z]{44}$/)
    const file = join(dataDir, PUBLISHER_KEY_FILE)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(await readFile(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/)
    expect(await readdir(dataDir)).toEqual([PUBLISHER_KEY_FILE]) // no temp file left behind
  })

  it('reloads the same key on later use', async () => {
    const first = await loadOrCreatePublisherKey(root)
    const before = await readFile(join(root, PUBLISHER_KEY_FILE))
    const second = await loadOrCreatePublisherKey(root)
    expect(second.publicKey).toBe(first.publicKey)
    expect(await readFile(join(root, PUBLISHER_KEY_FILE))).toEqual(before)
    // A manifest signed with the reloaded key verifies against the first key.
    const { manifest } = createSignedManifest(sampleInit(), second)
    verifySignedManifest(manifest, [first.publicKey])
  })

  it('gives every concurrent first caller the same key', async () => {
    const keys = await Promise.all(Array.from({ length: 5 }, () => loadOrCreatePublisherKey(join(root, 'shared'))))
    expect(new Set(keys.map((k) => k.publicKey)).size).toBe(1)
    expect(await readdir(join(root, 'shared'))).toEqual([PUBLISHER_KEY_FILE])
  })

  it.each([
    ['garbage', 'not a key at all\n', /does not hold a readable PEM private key/],
    ['an empty file', '', /does not hold a readable PEM private key/],
    [
      'a truncated key',
      '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----\n',
      /does not hold a readable PEM private key/,
    ],
    [
      'an RSA key',
      generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      /holds a rsa key; a publisher key is ed25519/,
    ],
  ])('refuses %s with a clear error and leaves the file alone', async (_what, content, message) => {
    const file = join(root, PUBLISHER_KEY_FILE)
    await writeFile(file, content, { mode: 0o600 })
    const err = await loadOrCreatePublisherKey(root).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(PublisherKeyFileError)
    expect((err as Error).message).toContain(`publisher key file ${file}`)
    expect((err as Error).message).toMatch(message)
    expect((err as Error).message).toMatch(/move it away to create a new key/)
    expect(await readFile(file, 'utf8')).toBe(content)
  })

  it('reports a data directory that cannot be created as a storage error', async () => {
    const blocker = join(root, 'file')
    await writeFile(blocker, 'x')
    await expect(loadOrCreatePublisherKey(join(blocker, 'data'))).rejects.toThrow(StorageError)
    await expect(loadOrCreatePublisherKey(join(blocker, 'data'))).rejects.toThrow(/cannot create data directory/)
  })

  it('reads a key from PEM text', async () => {
    const key = await loadOrCreatePublisherKey(root)
    const pem = await readFile(join(root, PUBLISHER_KEY_FILE), 'utf8')
    expect(publisherKeyFromPem(pem).publicKey).toBe(key.publicKey)
    expect(() => publisherKeyFromPem('nope')).toThrow(/the PEM text does not hold a readable PEM private key/)
  })
})
