import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { link, mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { StorageError } from '@imgswarm/core'
import { PUBLISHER_KEY_FILE } from './constants.js'
import { PublisherKeyFileError } from './errors.js'
import { publicKeyToString } from './public-key.js'

/** The publisher's signing identity. The private key never leaves this object. */
export interface PublisherKey {
  /** The public key, `z6Mk…` (what agents are told to trust). */
  readonly publicKey: string
  /** An ed25519 signature (64 bytes) over exactly `bytes`. */
  sign(bytes: Uint8Array): Uint8Array
}

class Ed25519PublisherKey implements PublisherKey {
  readonly publicKey: string
  readonly #privateKey: KeyObject

  constructor(privateKey: KeyObject) {
    this.#privateKey = privateKey
    this.publicKey = publicKeyToString(privateKey)
  }

  sign(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(sign(null, bytes, this.#privateKey))
  }
}

const RECOVERY =
  'Restore the file from a backup, or move it away to create a new key (agents trusting the old key will then refuse new manifests).'

/** A fresh key held in memory only (tests, throwaway publishers). */
export function generatePublisherKey(): PublisherKey {
  return new Ed25519PublisherKey(generateKeyPairSync('ed25519').privateKey)
}

/** A key from a PKCS8 PEM ed25519 private key; `source` names where it came from in errors. */
export function publisherKeyFromPem(pem: string | Uint8Array, source = 'the PEM text'): PublisherKey {
  let key: KeyObject
  try {
    key = createPrivateKey({ key: typeof pem === 'string' ? pem : Buffer.from(pem), format: 'pem' })
  } catch (err) {
    throw new PublisherKeyFileError(
      `${source} does not hold a readable PEM private key (${(err as Error).message}). ${RECOVERY}`,
      { cause: err },
    )
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new PublisherKeyFileError(`${source} holds a ${key.asymmetricKeyType} key; a publisher key is ed25519. ${RECOVERY}`)
  }
  return new Ed25519PublisherKey(key)
}

/**
 * Loads the publisher key kept in `dataDir`, creating the directory and a new key on first use.
 * The key is written to a private temp file (mode 0600), flushed, then linked into place, so a
 * crash never leaves half a key and two processes starting at once end up with the same key.
 * A file that exists but does not parse is an error: silently replacing it would change the
 * publisher's identity.
 */
export async function loadOrCreatePublisherKey(dataDir: string): Promise<PublisherKey> {
  const path = join(dataDir, PUBLISHER_KEY_FILE)
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw new StorageError(`cannot create data directory ${dataDir}: ${(err as Error).message}`, { cause: err })
  }
  const existing = await readKeyFile(path)
  if (existing !== undefined) return publisherKeyFromPem(existing, `publisher key file ${path}`)

  const { privateKey } = generateKeyPairSync('ed25519')
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' })
  if (await createFileOnce(path, pem)) return new Ed25519PublisherKey(privateKey)
  // Another process created it between our read and our link: use theirs.
  const theirs = await readKeyFile(path)
  if (theirs === undefined) throw new StorageError(`publisher key file ${path} vanished while it was being created`)
  return publisherKeyFromPem(theirs, `publisher key file ${path}`)
}

async function readKeyFile(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new StorageError(`cannot read publisher key file ${path}: ${(err as Error).message}`, { cause: err })
  }
}

/** Writes `content` to `path` atomically unless `path` exists; returns false if it already did. */
async function createFileOnce(path: string, content: string | Buffer): Promise<boolean> {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  try {
    const file = await open(temp, 'wx', 0o600)
    try {
      await file.writeFile(content)
      await file.sync()
    } finally {
      await file.close()
    }
    try {
      await link(temp, path)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EEXIST') return false
      // Filesystems without hard links: rename is still atomic, only not exclusive.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw err
      await rename(temp, path)
    }
    await syncDirectory(path)
    return true
  } catch (err) {
    throw new StorageError(`cannot write publisher key file ${path}: ${(err as Error).message}`, { cause: err })
  } finally {
    await rm(temp, { force: true })
  }
}

/** Makes the new directory entry durable; best effort, as not every platform can open a directory. */
async function syncDirectory(path: string): Promise<void> {
  try {
    const dir = await open(dirname(path), 'r')
    try {
      await dir.sync()
    } finally {
      await dir.close()
    }
  } catch {
    // Not fatal: the key file itself is flushed, only its directory entry may lag on power loss.
  }
}
