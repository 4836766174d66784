import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common'
import type { ApiErrorBody } from '@imgswarm/coordinator-client'
import { ImgswarmError } from '@imgswarm/core'
import { statusForError } from './error-status.js'

interface ResponseLike {
  headersSent: boolean
  status(code: number): ResponseLike
  json(body: unknown): void
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
}

/**
 * Every error leaves as JSON `{ statusCode, error, message, code? }`: Nest's HTTP exceptions as
 * they are (validation messages included), imgswarm errors by class (bad input 400, unknown id
 * 404, conflict 409, refused manifest or unmatched selector 422), anything else a bare 500.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Api')

  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<ResponseLike>()
    if (res.headersSent) return
    const { status, body } = this.toBody(err)
    res.status(status).json(body)
  }

  private toBody(err: unknown): { status: number; body: ApiErrorBody } {
    if (err instanceof HttpException) {
      const status = err.getStatus()
      const response = err.getResponse()
      const body: ApiErrorBody =
        typeof response === 'object' && response !== null
          ? { statusCode: status, error: reason(status, err), message: err.message, ...(response as object) }
          : { statusCode: status, error: reason(status, err), message: String(response) }
      return { status, body }
    }
    if (err instanceof ImgswarmError) {
      const status = statusForError(err)
      if (status !== undefined) return { status, body: { statusCode: status, error: reason(status), message: err.message, code: err.code } }
    }
    this.logger.error(err instanceof Error ? (err.stack ?? err.message) : String(err))
    const status = HttpStatus.INTERNAL_SERVER_ERROR
    return { status, body: { statusCode: status, error: reason(status), message: 'internal error', code: 'ERR_INTERNAL' } }
  }
}

function reason(status: number, err?: HttpException): string {
  return REASONS[status] ?? err?.name.replace(/Exception$/, '').replace(/([a-z])([A-Z])/g, '$1 $2') ?? 'Error'
}
