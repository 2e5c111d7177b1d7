import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { RawBodyRequest } from '../common/body-parsers';
import { ForbiddenError, UnauthenticatedError } from '../common/errors';
import { Role } from './api-key.entity';
import { ApiKeysService } from './api-keys.service';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { AnyPrincipal, AuthenticatedRequest } from './principal';
import { DROP_IN_KEY, PUBLIC_KEY, ROLES_KEY } from './roles.decorator';

const ADMIN_ONLY: Role[] = ['admin'];

/**
 * Global: every route needs an API key with one of the route's roles (admin only unless @Roles
 * says more). Routes marked @AcceptsDropIn (the gateway) also take, when no API key is sent, the
 * client's own X credentials in Authorization: this guard leaves those to DropInGuard, which the
 * same decorator puts on the route. Keys that fail count against the client's address
 * (AuthFailureLimiter); no key at all does not.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    private readonly limiter: AuthFailureLimiter,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = ctx.switchToHttp().getRequest<RawBodyRequest & AuthenticatedRequest>();
    const raw = header(req, 'x-api-key');
    if (!raw && this.reflector.getAllAndOverride<boolean>(DROP_IN_KEY, targets)) return true;
    if (!raw) throw new UnauthenticatedError();
    const principal: AnyPrincipal = await this.limiter.attempt(
      req,
      async () =>
        (await this.keys.authenticate(raw)) ?? Promise.reject(new UnauthenticatedError('Unknown or revoked API key.')),
      (e) => e instanceof UnauthenticatedError,
    );
    const allowed = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets) ?? ADMIN_ONLY;
    if (!allowed.includes(principal.role))
      throw new ForbiddenError(`This endpoint needs a ${allowed.join(' or ')} key; yours is ${principal.role}.`);
    req.principal = principal;
    return true;
  }
}

function header(req: { headers: Record<string, string | string[] | undefined> }, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
