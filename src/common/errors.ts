import { ErrorCode } from './error-codes';

/**
 * Domain errors. Services throw these (never HttpException) because schedulers and scripts
 * call services too; the one global filter maps them to the contract's error body.
 */
export class DomainError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** Extra top-level fields for the error body (the drop-in path adds X's own `errors`). */
  extra(): Record<string, unknown> {
    return {};
  }

  /** Response headers the answer carries (Retry-After). */
  headers(): Record<string, string> {
    return {};
  }
}

export class ValidationFailedError extends DomainError {
  /** `fields` maps each bad field (dotted path) to what is wrong with it. */
  constructor(message: string, fields: Record<string, string>) {
    super(400, 'VALIDATION_FAILED', message, { fields });
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'Send a valid API key in the X-API-Key header.', details: Record<string, unknown> = {}) {
    super(401, 'UNAUTHENTICATED', message, details);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'This API key does not have the role this endpoint needs.') {
    super(403, 'FORBIDDEN', message);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id?: string) {
    super(
      404,
      'NOT_FOUND',
      id === undefined ? `${what} not found.` : `${what} ${id} not found.`,
      id === undefined ? {} : { id },
    );
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(409, 'CONFLICT', message, details);
  }
}

export class UnsupportedMediaTypeError extends DomainError {
  constructor(accepted: string[]) {
    super(415, 'UNSUPPORTED_MEDIA_TYPE', `Send the body as ${accepted.join(' or ')} (Content-Type header).`, {
      accepted,
    });
  }
}

/** Too many failed authentications from one client address (AUTH_FAILURE_LIMIT); nothing was checked. */
export class TooManyFailedAttemptsError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      429,
      'TOO_MANY_FAILED_ATTEMPTS',
      `Too many failed authentications from your address in the last minute. Try again in ${retryAfterSeconds} s, with a valid key.`,
      { retryAfterSeconds },
    );
  }

  override headers(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterSeconds) };
  }
}

export class DatabaseUnavailableError extends DomainError {
  constructor() {
    super(503, 'DATABASE_UNAVAILABLE', 'The database cannot be reached.');
  }
}
