import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorBodyDto } from './dto/error-body.dto';

/** What each status means across the API; an operation may say more (`[status, description]`). */
const MEANING: Record<number, string> = {
  400: 'VALIDATION_FAILED: the body, query or a path parameter is not valid; `details` names each bad field.',
  401: 'UNAUTHENTICATED: no API key, or an unknown or revoked one.',
  403: "FORBIDDEN: the key's role may not do this.",
  404: 'NOT_FOUND: no such contract, app, handle, period or key.',
  409: 'CONFLICT: a duplicate, or a state that does not allow it.',
  413: "PAYLOAD_TOO_LARGE: the body is over this route's limit.",
  415: 'UNSUPPORTED_MEDIA_TYPE: a body of a type this route does not take.',
  429: 'TOO_MANY_FAILED_ATTEMPTS: too many failed authentications from this address; see Retry-After.',
  502: 'UPSTREAM_UNREACHABLE / UPSTREAM_FAILED: X could not be reached, or the connection broke.',
  503: 'DATABASE_UNAVAILABLE / DATABASE_TIMEOUT / LEDGER_UNAVAILABLE: the database could not be reached or stopped the query at its time limit; nothing was done.',
  504: 'UPSTREAM_TIMEOUT: X did not answer in time (the call may have reached X, so it counts).',
};

type ErrorSpec = number | [number, string];

/**
 * The error answers of an operation that takes an API key: 401, 403 and 429 always, plus
 * `more`. Each has the contract's error body, so a generated client knows its shape.
 */
export function ApiErrors(...more: ErrorSpec[]): MethodDecorator & ClassDecorator {
  return ApiErrorResponses(401, 403, 429, ...more);
}

/** Error answers exactly as listed (an operation without an API key). */
export function ApiErrorResponses(...specs: ErrorSpec[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, string>();
  for (const s of specs) {
    const [status, description] = Array.isArray(s) ? s : [s, MEANING[s]];
    byStatus.set(status, description ?? MEANING[status]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, description]) => ApiResponse({ status, description, type: ErrorBodyDto })),
  );
}
