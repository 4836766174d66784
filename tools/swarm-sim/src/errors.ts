import { ImgswarmError } from '@imgswarm/core'

/** A simulation could not complete: an agent never finished before the virtual-time limit. */
export class SimulationIncompleteError extends ImgswarmError {
  static override name = 'SimulationIncompleteError'
  override readonly code = 'ERR_SIM_INCOMPLETE'
}
