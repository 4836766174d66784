import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common'
import { PRINCIPAL_KEY, type Principal, type Role } from './principal.js'

export const AUTH_METADATA = 'imgswarm:auth'

export interface AuthRequirement {
  /** Roles allowed; empty for a public route. */
  roles: readonly Role[]
  /** For node credentials: the route parameter that must equal the node's own id. */
  ownNodeParam?: string
}

/** Who may call a route. Every route declares it: the guard refuses routes that do not. */
export const Auth = (roles: Role | readonly Role[], options: { ownNodeParam?: string } = {}) =>
  SetMetadata(AUTH_METADATA, { roles: typeof roles === 'string' ? [roles] : roles, ...options } satisfies AuthRequirement)

/** A route anyone may call (health, metrics). */
export const Public = () => SetMetadata(AUTH_METADATA, { roles: [] } satisfies AuthRequirement)

/** The authenticated caller of this request. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal | undefined => {
  return (ctx.switchToHttp().getRequest() as Record<string, unknown>)[PRINCIPAL_KEY] as Principal | undefined
})
