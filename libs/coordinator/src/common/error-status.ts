import { HttpStatus } from '@nestjs/common'
import { ImgswarmError, InvalidInputError, ManifestSignatureError, NotFoundError, UntrustedPublisherError } from '@imgswarm/core'
import { NoMatchingNodesError, RolloutTransitionError } from '@imgswarm/rollout'
import { ConflictError, SeedingError } from '../errors.js'

/** The HTTP status for an imgswarm error; undefined for errors that are the server's fault. */
export function statusForError(err: ImgswarmError): HttpStatus | undefined {
  if (err instanceof NotFoundError) return HttpStatus.NOT_FOUND
  if (err instanceof ConflictError || err instanceof RolloutTransitionError) return HttpStatus.CONFLICT
  if (
    err instanceof ManifestSignatureError ||
    err instanceof UntrustedPublisherError ||
    err instanceof NoMatchingNodesError ||
    err instanceof SeedingError
  ) {
    return HttpStatus.UNPROCESSABLE_ENTITY
  }
  if (err instanceof InvalidInputError) return HttpStatus.BAD_REQUEST
  return undefined
}
