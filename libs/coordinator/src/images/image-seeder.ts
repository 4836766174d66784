/** An image for the embedded seed to serve. */
export interface SeedImage {
  name: string
  version: string
  manifestCid: string
  /** The encoded signed manifest, as registered. */
  manifestBytes: Uint8Array
  /** Path of the image file on this host, when the publisher gave one. */
  sourcePath?: string
}

/** Where agents can reach the seed. */
export interface SeederInfo {
  peerId: string
  addrs: string[]
}

/**
 * The port through which the coordinator has its images served to the swarm: the CLI plugs in a
 * libp2p seed node (`@imgswarm/swarm-node`). `serve` is called when an image is registered (a
 * throw refuses the registration) and again for every stored image at start-up.
 */
export interface ImageSeeder {
  serve(image: SeedImage): Promise<void>
  info(): SeederInfo
}
