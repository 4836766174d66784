import { ImgswarmError } from '@imgswarm/core'
import { formatBytes } from './format.js'

/** A transfer verified nothing for longer than the caller would wait. */
export class TransferStalledError extends ImgswarmError {
  static override name = 'TransferStalledError'
  override readonly code = 'ERR_STALLED'
}

/**
 * Watches a transfer's verified bytes. `check` returns an error once they have not moved for
 * `timeoutMs` (never when `timeoutMs` is 0): a fetch whose peers hold the manifest but serve no
 * chunk of it (they dropped the image, or are all gone) ends with a reason instead of waiting
 * forever. What was verified stays on disk; the next fetch resumes from it.
 */
export class StallWatch {
  #bytes = -1
  #since: number

  constructor(
    private readonly timeoutMs: number,
    now: number,
  ) {
    this.#since = now
  }

  check(progress: { bytesDone: number; bytesTotal: number; peers: number }, now: number): TransferStalledError | undefined {
    if (progress.bytesDone !== this.#bytes) {
      this.#bytes = progress.bytesDone
      this.#since = now
      return undefined
    }
    if (this.timeoutMs <= 0 || now - this.#since < this.timeoutMs) return undefined
    const waited = Math.round((now - this.#since) / 1000)
    return new TransferStalledError(
      `no chunk arrived for ${waited}s (${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)} verified, ` +
        `${progress.peers} peers serving this image): the peers may not have it any more. ` +
        'What was verified is kept and a later fetch resumes from it; --stall-timeout sets how long to wait (0: forever)',
    )
  }
}
