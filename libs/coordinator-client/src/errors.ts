import { ImgswarmError } from '@imgswarm/core'

/** The coordinator answered with an error status; `status` and the server's `apiCode` say which. */
export class CoordinatorApiError extends ImgswarmError {
  static override name = 'CoordinatorApiError'
  override readonly code = 'ERR_COORDINATOR_API'
  /** HTTP status (401: missing or wrong token, 403: token not allowed here, 404: unknown id…). */
  readonly status: number
  /** The `code` field of the error body, such as `ERR_NO_MATCHING_NODES`, when the server sent one. */
  readonly apiCode?: string

  constructor(status: number, message: string, apiCode?: string, options?: { cause?: unknown }) {
    super(message, options)
    this.status = status
    this.apiCode = apiCode
  }
}

/** No answer from the coordinator (refused, reset, timed out): agents keep working and retry. */
export class CoordinatorUnreachableError extends ImgswarmError {
  static override name = 'CoordinatorUnreachableError'
  override readonly code = 'ERR_COORDINATOR_UNREACHABLE'
}
