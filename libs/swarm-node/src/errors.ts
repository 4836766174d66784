import { ImgswarmError } from '@imgswarm/core'

/** No reachable peer could provide what was asked (a manifest, a session). */
export class NoPeersError extends ImgswarmError {
  static override name = 'NoPeersError'
  override readonly code = 'ERR_NO_PEERS'
}
