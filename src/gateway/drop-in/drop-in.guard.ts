import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { AuthFailureLimiter } from '../../auth/auth-failure-limiter';
import { AuthenticatedRequest } from '../../auth/principal';
import type { RawBodyRequest } from '../../common/body-parsers';
import { UnauthenticatedError } from '../../common/errors';
import { DropInAuthService } from './drop-in-auth.service';
import { DropInUnauthenticatedError } from './drop-in.errors';

/**
 * A drop-in route's caller without an API key: the global API-key guard has let the request
 * through (it runs first), and this guard checks the client's own X credentials in
 * Authorization. Credentials that fail count against the client's address (AuthFailureLimiter),
 * as a wrong API key does; no Authorization at all, or a scheme we do not take, does not.
 */
@Injectable()
export class DropInGuard implements CanActivate {
  constructor(
    private readonly dropIn: DropInAuthService,
    private readonly limiter: AuthFailureLimiter,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<RawBodyRequest & AuthenticatedRequest>();
    if (req.principal) return true; // an API key, admitted by the API-key guard
    if (!req.headers.authorization) throw new DropInUnauthenticatedError('scheme');
    req.principal = await this.limiter.attempt(req, () => this.dropIn.authenticate(req), isGuess);
    return true;
  }
}

/** Credentials sent and refused. An Authorization scheme we do not take is a client's mistake, not a guess. */
function isGuess(e: unknown): boolean {
  return e instanceof UnauthenticatedError && !(e instanceof DropInUnauthenticatedError && e.reason === 'scheme');
}
