import '@imgswarm/core/polyfills'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import { tcp } from '@libp2p/tcp'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import { createLibp2p } from 'libp2p'
import {
  DEFAULT_INBOUND_CONNECTIONS_PER_SECOND_PER_HOST,
  DEFAULT_LISTEN_ADDRS,
  DEFAULT_MAX_PENDING_INBOUND_CONNECTIONS,
  DEFAULT_STREAM_WINDOW_BYTES,
  MAX_CONNECTIONS,
} from './constants.js'

export interface HostInit {
  privateKey: PrivateKey
  /** Multiaddrs to listen on; default loopback with an ephemeral port. */
  listen?: string[]
  /** Addresses to announce instead of the listen addresses (NAT, containers). */
  announce?: string[]
  /** Discover peers on the LAN with mDNS. */
  mdns?: boolean
  /** Peers refused at connection time (banned for sending corrupt chunks). */
  isBanned?: (peerId: string) => boolean
}

/**
 * The libp2p host every imgswarm node runs on: TCP, Noise encryption, yamux multiplexing,
 * identify, and optionally mDNS. Everything imgswarm-specific is layered on top as protocols.
 */
export async function createHost(init: HostInit): Promise<Libp2p> {
  return createLibp2p({
    privateKey: init.privateKey,
    addresses: {
      listen: init.listen ?? DEFAULT_LISTEN_ADDRS,
      announce: init.announce ?? [],
    },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [
      yamux({
        streamOptions: {
          maxStreamWindowSize: DEFAULT_STREAM_WINDOW_BYTES,
          // chunk sessions are long-lived and receiver-paced; bytes in flight are bounded by requests
          maxReadBufferLength: 64 * 1024 * 1024,
        },
      }),
    ],
    peerDiscovery: init.mdns === true ? [mdns()] : [],
    connectionManager: {
      maxConnections: MAX_CONNECTIONS,
      inboundConnectionThreshold: DEFAULT_INBOUND_CONNECTIONS_PER_SECOND_PER_HOST,
      maxIncomingPendingConnections: DEFAULT_MAX_PENDING_INBOUND_CONNECTIONS,
    },
    connectionGater: {
      denyDialPeer: (peerId) => init.isBanned?.(peerId.toString()) ?? false,
      denyInboundEncryptedConnection: (peerId) => init.isBanned?.(peerId.toString()) ?? false,
    },
    services: { identify: identify() },
  })
}
