type Wrapped = { code?: string; message?: string; driverError?: unknown; cause?: unknown };

/** The error and what it wraps: TypeORM's `driverError`, or the standard `cause`. */
function* chain(e: unknown): Generator<Wrapped> {
  for (
    let err = e as Wrapped | undefined, depth = 0;
    err && depth < 5;
    err = (err.driverError ?? err.cause) as Wrapped | undefined, depth++
  )
    yield err;
}

/** PostgreSQL's unique_violation, raised through TypeORM's QueryFailedError, a ledger write or pg directly. */
export function isUniqueViolation(e: unknown): boolean {
  for (const err of chain(e)) if (err.code === '23505') return true;
  return false;
}

/** An insert into a partitioned table (the call log) whose row fits no partition. */
export function isMissingPartition(e: unknown): boolean {
  for (const err of chain(e))
    if (err.code === '23514' && /no partition of relation/.test(err.message ?? '')) return true;
  return false;
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established|Query read timeout|terminating connection/i;

/** The database could not be reached or dropped the connection: a 503, not a bug. */
export function isDatabaseUnavailable(e: unknown): boolean {
  for (const err of chain(e)) {
    if (err.code && (UNAVAILABLE_CODES.has(err.code) || err.code.startsWith('08'))) return true;
    if (err.message && UNAVAILABLE_MESSAGES.test(err.message)) return true;
  }
  return false;
}

/**
 * PostgreSQL cancelled the statement (SQLSTATE 57014): it ran past the pool's statement_timeout,
 * or an operator cancelled it. The database is up and the request was valid: a 503 to retry, not a bug.
 */
export function isStatementCancelled(e: unknown): boolean {
  for (const err of chain(e)) if (err.code === '57014') return true;
  return false;
}
