import type { NextFunction, Request, Response } from 'express'
import type { MetricsService } from './metrics.service.js'

/** Times every request; the route is the matched pattern (`/api/v1/rollouts/:id`), never the raw URL. */
export function httpMetricsMiddleware(metrics: MetricsService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const end = metrics.httpDuration.startTimer({ method: req.method })
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path
      end({ route: typeof route === 'string' ? route : 'unmatched', status: String(res.statusCode) })
    })
    next()
  }
}
