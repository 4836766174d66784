import { ImgswarmError, InvalidInputError } from '@imgswarm/core'

/** A label selector or node label that does not parse (`key=value,key=value`). */
export class SelectorError extends InvalidInputError {
  static override name = 'SelectorError'
}

/** A wave spec that does not parse or cannot be honoured (`10%,50%,100%` or `5,20,100%`). */
export class WaveSpecError extends InvalidInputError {
  static override name = 'WaveSpecError'
}

/** A failure threshold that does not parse (`5%` or a count such as `2`). */
export class FailureThresholdError extends InvalidInputError {
  static override name = 'FailureThresholdError'
}

/** A rollout's selector matches no node, so there is nothing to roll out to. */
export class NoMatchingNodesError extends ImgswarmError {
  static override name = 'NoMatchingNodesError'
  override readonly code = 'ERR_NO_MATCHING_NODES'
}

/** An operation that the rollout's current status does not allow (e.g. pausing a completed rollout). */
export class RolloutTransitionError extends ImgswarmError {
  static override name = 'RolloutTransitionError'
  override readonly code = 'ERR_ROLLOUT_TRANSITION'
}
