import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthenticatedRequest } from '../auth/principal';
import { ApiKeysService } from '../auth/api-keys.service';
import { ForbiddenError, UnauthenticatedError } from '../common/errors';

const MAY_SCRAPE = ['admin', 'finance'];

/**
 * /metrics takes an admin or finance API key, in X-API-Key like every endpoint or, for
 * Prometheus (whose scrape config sets `authorization` but no custom header), as
 * `Authorization: Bearer <api key>`. Only here: elsewhere a bearer token is an X app's.
 */
@Injectable()
export class MetricsAuthGuard implements CanActivate {
  constructor(private readonly keys: ApiKeysService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    const raw =
      (req.headers['x-api-key'] as string | undefined) ?? /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const principal = raw ? await this.keys.authenticate(raw) : null;
    if (!principal) {
      throw new UnauthenticatedError(
        raw
          ? 'Unknown or revoked API key.'
          : 'Send an admin or finance API key in X-API-Key, or as Authorization: Bearer <key>.',
      );
    }
    if (!MAY_SCRAPE.includes(principal.role))
      throw new ForbiddenError(`/metrics needs an admin or finance key; yours is ${principal.role}.`);
    req.principal = principal;
    return true;
  }
}
