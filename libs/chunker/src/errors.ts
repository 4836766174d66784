import { InvalidInputError } from '@imgswarm/core'

/** Chunking parameters that are malformed or break a limit (min < avg < max, avg a power of two…). */
export class InvalidChunkingParamsError extends InvalidInputError {
  static override name = 'InvalidChunkingParamsError'
}
