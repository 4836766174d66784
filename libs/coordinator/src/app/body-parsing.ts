import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express'
import { tokensEqual } from '../auth/credentials.js'

export interface BodyParsingInit {
  adminToken: string
  /** Limit for the admin's image registrations (a signed manifest in base64). */
  manifestLimit: string
  /** Limit for every other body. */
  defaultLimit: string
}

const IMAGE_ROUTE = '/api/v1/images'

/**
 * JSON bodies: the large limit only for an image registration carrying the admin token, so that
 * no one else can make the coordinator parse big bodies; malformed or oversized JSON gets a JSON
 * 400/413 like every other error.
 */
export function jsonBodyParser(init: BodyParsingInit): RequestHandler {
  const large = express.json({ limit: init.manifestLimit })
  const small = express.json({ limit: init.defaultLimit })
  return (req: Request, res: Response, next: NextFunction) => {
    const parser = req.method === 'POST' && req.path === IMAGE_ROUTE && isAdmin(req, init.adminToken) ? large : small
    parser(req, res, (err?: unknown) => {
      if (err === undefined || err === null) return next()
      const e = err as { status?: number; type?: string; message?: string }
      const status = e.status === 413 ? 413 : 400
      res.status(status).json({
        statusCode: status,
        error: status === 413 ? 'Payload Too Large' : 'Bad Request',
        message: status === 413 ? 'request body is too large' : `malformed JSON body: ${e.message ?? 'cannot parse'}`,
      })
    })
  }
}

function isAdmin(req: Request, adminToken: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')
  return match !== null && tokensEqual(match[1], adminToken)
}
