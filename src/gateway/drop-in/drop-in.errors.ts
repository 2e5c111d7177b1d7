import { ForbiddenError, UnauthenticatedError } from '../../common/errors';

/**
 * X's reasons, in X's words (docs/x-api-facts.md §2), for the `errors` array a drop-in client's
 * own error handling reads. One reason covers every credential problem (unknown consumer key,
 * unknown token, bad signature, malformed header), so a refusal never says which part was wrong.
 */
export const X_REASON = {
  credentials: 'Could not authenticate you',
  timestamp: 'Timestamp out of bounds',
  nonce: 'Nonce already used',
  bearer: 'Invalid or expired token',
  scheme: 'Unknown Authorization Type',
} as const;

const FIX = {
  credentials:
    "Sign the request with OAuth 1.0a (HMAC-SHA1) using a registered app's consumer key and secret and a registered handle's access token and secret, " +
    'for the URL you called on handlemeter (its PUBLIC_BASE_URL behind a proxy); or send an API key in X-API-Key.',
  timestamp: "oauth_timestamp is more than 5 minutes away from handlemeter's clock: check the client machine's clock.",
  nonce:
    'This oauth_nonce was already used within the last few minutes, so the request is refused as a replay: sign every request afresh.',
  bearer: "Send a registered app's bearer token (Authorization: Bearer ...), or an API key in X-API-Key.",
  scheme:
    'Send an API key in X-API-Key, or authorize the request as for X: OAuth 1.0a (Authorization: OAuth ...) or a bearer token (Authorization: Bearer ...).',
} as const;

/** 401 UNAUTHENTICATED with X's own `errors` array beside the contract's fields. */
export class DropInUnauthenticatedError extends UnauthenticatedError {
  constructor(readonly reason: keyof typeof X_REASON) {
    super(FIX[reason]);
  }

  override extra(): Record<string, unknown> {
    return { errors: [`Your account could not be authenticated. Reason: ${X_REASON[this.reason]}`] };
  }
}

/** A drop-in caller's credentials decide the handle; X-Handle may only agree with them. */
export class DropInHandleMismatchError extends ForbiddenError {
  constructor(via: 'oauth' | 'bearer') {
    super(
      via === 'oauth'
        ? "This request is signed with one handle's access token and X-Handle names another: leave X-Handle out (the token decides) or sign with that handle's token."
        : "A bearer token calls app-only: leave X-Handle out, or sign the request with OAuth 1.0a using that handle's access token.",
    );
  }
}
