import { ImgswarmError, NotFoundError, ProtocolError } from '@imgswarm/core'

// Every error a remote peer can cause by what it sends is a ProtocolError (code ERR_PROTOCOL):
// callers disconnect, and may ban, on that class alone. The subclasses say what went wrong.

/** A frame's length prefix announces more bytes than the protocol allows; nothing was buffered. */
export class FrameTooLargeError extends ProtocolError {
  static override name = 'FrameTooLargeError'
}

/**
 * A frame that does not decode to a valid message: truncated, trailing bytes, unknown message
 * type, a value out of range or over a limit.
 */
export class MalformedMessageError extends ProtocolError {
  static override name = 'MalformedMessageError'
}

/** A valid message in the wrong place (a Request before the Hello, a second Hello, a query answered with a query). */
export class UnexpectedMessageError extends ProtocolError {
  static override name = 'UnexpectedMessageError'
}

/** A peer answered a manifest request with bytes that do not hash to the requested CID. */
export class ManifestMismatchError extends ProtocolError {
  static override name = 'ManifestMismatchError'
}

/** The asked peer does not hold the requested manifest. */
export class ManifestNotFoundError extends NotFoundError {
  static override name = 'ManifestNotFoundError'
}

/**
 * The stream to a peer was reset, aborted or closed before the exchange finished (the peer went
 * away, the connection dropped). Not the peer's fault as far as we can tell: retry elsewhere.
 */
export class PeerStreamError extends ImgswarmError {
  static override name = 'PeerStreamError'
  override readonly code = 'ERR_PEER_STREAM'
}
