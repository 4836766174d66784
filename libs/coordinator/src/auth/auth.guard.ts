import { ForbiddenException, Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common'
import { Reflector } from '@nestjs/core'
import type { CoordinatorConfig } from '../config/coordinator-config.js'
import { NodesRepository } from '../nodes/nodes.repository.js'
import { COORDINATOR_CONFIG } from '../tokens.js'
import { AUTH_METADATA, type AuthRequirement } from './auth.decorators.js'
import { parseNodeCredential, secretMatches, tokensEqual } from './credentials.js'
import { PRINCIPAL_KEY, type Principal, type Role } from './principal.js'

const ROLE_NAMES: Record<Role, string> = {
  admin: 'the admin token',
  enrolment: 'the enrolment token',
  node: "a node's credential",
}

interface RequestLike {
  headers: Record<string, string | string[] | undefined>
  params?: Record<string, string>
  [PRINCIPAL_KEY]?: Principal
}

/**
 * Bearer-token auth for every route: no or an unknown token is 401, a valid token of a role the
 * route does not accept is 403 (as is a node credential used on another node's route). Routes
 * without an `@Auth`/`@Public` declaration are refused, so a forgotten one fails closed.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
    private readonly nodes: NodesRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const requirement = this.reflector.getAllAndOverride<AuthRequirement | undefined>(AUTH_METADATA, [
      context.getHandler(),
      context.getClass(),
    ])
    if (requirement === undefined) throw new ForbiddenException('this route declares no access rule')
    if (requirement.roles.length === 0) return true
    const request = context.switchToHttp().getRequest<RequestLike>()
    const token = bearerToken(request.headers.authorization)
    if (token === undefined) {
      throw new UnauthorizedException('missing bearer token: send "Authorization: Bearer <token>"')
    }
    const principal = await this.identify(token)
    if (principal === undefined) throw new UnauthorizedException('invalid bearer token')
    if (!requirement.roles.includes(principal.kind)) {
      throw new ForbiddenException(
        `this endpoint needs ${requirement.roles.map((r) => ROLE_NAMES[r]).join(' or ')}, not ${ROLE_NAMES[principal.kind]}`,
      )
    }
    if (principal.kind === 'node' && requirement.ownNodeParam !== undefined) {
      const target = request.params?.[requirement.ownNodeParam]
      if (target !== principal.nodeId) {
        throw new ForbiddenException(`this credential belongs to node ${principal.nodeId}, not to ${String(target)}`)
      }
    }
    request[PRINCIPAL_KEY] = principal
    return true
  }

  private async identify(token: string): Promise<Principal | undefined> {
    // Both static tokens are always compared, so timing does not tell which one was close.
    const admin = tokensEqual(token, this.config.adminToken)
    const enrolment = tokensEqual(token, this.config.enrolmentToken)
    if (admin) return { kind: 'admin' }
    if (enrolment) return { kind: 'enrolment' }
    const parsed = parseNodeCredential(token)
    if (parsed === undefined) return undefined
    const node = await this.nodes.get(parsed.nodeId)
    if (node === undefined || !secretMatches(parsed.secret, node.credentialHash)) return undefined
    return { kind: 'node', nodeId: node.id }
  }
}

function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1]
}
