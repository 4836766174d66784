import { ImgswarmError, InvalidInputError } from '@imgswarm/core'

/** The coordinator's configuration is incomplete or wrong; the message lists every problem. */
export class CoordinatorConfigError extends InvalidInputError {
  static override name = 'CoordinatorConfigError'
}

/** A request conflicts with what is stored (e.g. a name and version already taken by another manifest). */
export class ConflictError extends ImgswarmError {
  static override name = 'ConflictError'
  override readonly code = 'ERR_CONFLICT'
}

/** The embedded seed could not serve an image being registered. */
export class SeedingError extends ImgswarmError {
  static override name = 'SeedingError'
  override readonly code = 'ERR_SEEDING'
}
