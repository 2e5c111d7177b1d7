import { DomainError } from '../common/errors';

/** X could not be reached, or answered the token request with a refusal: its status and text are in `details`. */
export class XOAuthError extends DomainError {
  constructor(step: 'request_token' | 'access_token', reason: string, status?: number) {
    super(
      502,
      'UPSTREAM_UNREACHABLE',
      status === undefined
        ? `X could not be reached for ${step} (${reason}); no handle was connected. Retry later.`
        : `X refused ${step} with ${status}: ${reason}. No handle was connected; ask for a new link.`,
      status === undefined ? { step, reason } : { step, status, reason },
    );
  }
}

/** The request token (or connect id) names no live connection: unknown, expired or used already. */
export class ConnectionNotFoundError extends DomainError {
  constructor() {
    super(
      404,
      'NOT_FOUND',
      'This connection request is unknown, expired (a link works for 15 minutes) or used already; ask for a new link.',
    );
  }
}
