/** PostgreSQL's unique_violation, raised through TypeORM's QueryFailedError or pg directly. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; driverError?: { code?: string } };
  return err?.code === '23505' || err?.driverError?.code === '23505';
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established|Query read timeout|terminating connection/i;

/** The database could not be reached or dropped the connection: a 503, not a bug. */
export function isDatabaseUnavailable(e: unknown): boolean {
  for (let err = e as { code?: string; message?: string; driverError?: unknown } | undefined; err; err = err.driverError as typeof err) {
    if (err.code && (UNAVAILABLE_CODES.has(err.code) || err.code.startsWith('08'))) return true;
    if (err.message && UNAVAILABLE_MESSAGES.test(err.message)) return true;
  }
  return false;
}
