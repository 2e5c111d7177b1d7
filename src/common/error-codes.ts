/**
 * The error catalogue: every `code` an error body can carry. An error class or the filter can
 * only use one of these (ErrorCode), and a unit test (error-codes.spec.ts) checks this list
 * against the error table in docs/api.md both ways, so a new code is documented or the build fails.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'TOO_MANY_TWEET_IDS',
  'TWEET_TOO_OLD',
  'INVALID_DATE_RANGE',
  'USER_CONTEXT_REQUIRED',
  'BAD_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'HANDLE_ALLOWANCE_EXHAUSTED',
  'NOT_FOUND',
  'HANDLE_NOT_REGISTERED',
  'METHOD_NOT_ALLOWED',
  'REQUEST_TIMEOUT',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'TOO_MANY_FAILED_ATTEMPTS',
  'UNSUPPORTED_MEDIA_TYPE',
  'HEADERS_TOO_LARGE',
  'INTERNAL_ERROR',
  'UPSTREAM_UNREACHABLE',
  'UPSTREAM_FAILED',
  'LEDGER_UNAVAILABLE',
  'DATABASE_UNAVAILABLE',
  'DATABASE_TIMEOUT',
  'CREDENTIALS_UNREADABLE',
  'UPSTREAM_TIMEOUT',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
