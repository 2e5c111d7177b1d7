import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { RawBodyRequest } from '../common/body-parsers';
import { ForbiddenError, UnauthenticatedError } from '../common/errors';
import { DropInAuthService } from '../gateway/drop-in/drop-in-auth.service';
import { DROP_IN_KEY } from '../gateway/drop-in/drop-in.decorator';
import { DropInUnauthenticatedError } from '../gateway/drop-in/drop-in.errors';
import { Role } from './api-key.entity';
import { ApiKeysService } from './api-keys.service';
import { AuthenticatedRequest } from './principal';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';

const ADMIN_ONLY: Role[] = ['admin'];

/**
 * Global: every route needs an API key with one of the route's roles (admin only unless @Roles
 * says more). Routes marked @AcceptsDropIn (the gateway) also take, when no API key is sent, the
 * client's own X credentials in Authorization; DropInAuthService checks those.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly reflector: Reflector, private readonly keys: ApiKeysService, private readonly dropIn: DropInAuthService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = ctx.switchToHttp().getRequest<RawBodyRequest & AuthenticatedRequest>();
    const raw = req.headers['x-api-key'] as string | undefined;
    if (!raw && this.reflector.getAllAndOverride<boolean>(DROP_IN_KEY, targets)) {
      if (!req.headers.authorization) throw new DropInUnauthenticatedError('scheme');
      req.principal = await this.dropIn.authenticate(req);
      return true;
    }
    const principal = raw ? await this.keys.authenticate(raw) : null;
    if (!principal) throw new UnauthenticatedError(raw ? 'Unknown or revoked API key.' : undefined);
    const allowed = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets) ?? ADMIN_ONLY;
    if (!allowed.includes(principal.role)) throw new ForbiddenError(`This endpoint needs a ${allowed.join(' or ')} key; yours is ${principal.role}.`);
    req.principal = principal;
    return true;
  }
}
