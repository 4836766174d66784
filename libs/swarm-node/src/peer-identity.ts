import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { StorageError } from '@imgswarm/core'
import { PEER_KEY_FILE } from './constants.js'

/**
 * Loads the node's libp2p identity from its data dir, creating it on first use. A stable peer
 * id lets the coordinator and other peers recognise a node across restarts.
 */
export async function loadOrCreatePeerKey(dataDir: string): Promise<PrivateKey> {
  const path = join(dataDir, PEER_KEY_FILE)
  let bytes: Uint8Array | undefined
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new StorageError(`cannot read peer key ${path}: ${(err as Error).message}`, { cause: err })
    }
  }
  if (bytes !== undefined) {
    try {
      return privateKeyFromProtobuf(bytes)
    } catch (err) {
      throw new StorageError(`peer key ${path} is corrupt; move it away to create a new identity`, { cause: err })
    }
  }
  const key = await generateKeyPair('Ed25519')
  try {
    await mkdir(dataDir, { recursive: true })
    const tmp = `${path}.${process.pid}.tmp`
    const file = await open(tmp, 'w', 0o600)
    try {
      await file.writeFile(privateKeyToProtobuf(key))
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(tmp, path)
  } catch (err) {
    throw new StorageError(`cannot write peer key in ${dataDir}: ${(err as Error).message}`, { cause: err })
  }
  return key
}
