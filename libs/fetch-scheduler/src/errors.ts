import { ImgswarmError, InvalidInputError } from '@imgswarm/core'

/** The download was stopped before every chunk was verified (by `stop()` or a fatal error elsewhere). */
export class DownloadStoppedError extends ImgswarmError {
  static override name = 'DownloadStoppedError'
  override readonly code = 'ERR_DOWNLOAD_STOPPED'
}

/** A scheduler component was configured with values that cannot work (sizes, lengths, rates). */
export class SchedulerConfigError extends InvalidInputError {
  static override name = 'SchedulerConfigError'
}

/** The simulated network was driven wrongly (unknown node, duplicate id, a link to itself). */
export class SimulationError extends ImgswarmError {
  static override name = 'SimulationError'
  override readonly code = 'ERR_SIMULATION'
}
