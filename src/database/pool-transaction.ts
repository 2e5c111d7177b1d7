import type { Pool, PoolClient } from 'pg';

/**
 * A failure on a PG_POOL connection, with the server process that ran it: when the connection
 * broke while a statement ran, whether it committed stays unknown until that process has ended
 * (the ledger's take-back ends it before it looks).
 */
export class PoolWriteError extends Error {
  constructor(
    cause: Error,
    readonly backendPid: number | null,
  ) {
    super(cause.message, { cause });
  }
}

/**
 * The one way to run statements on PG_POOL together: `fn` on one pooled connection, in
 * BEGIN/COMMIT (ROLLBACK when it throws). With `{ begin: false }`, `fn` is a single statement,
 * a transaction by itself, which saves two round trips while its failure still names the server
 * process (PoolWriteError). A connection that failed is thrown away, never returned to the pool:
 * it may be the broken part.
 *
 * TypeORM's pool has its own: `DataSource.transaction` (docs/architecture.md, "Data access").
 */
export async function poolTransaction<T>(
  pool: Pool,
  fn: (db: PoolClient) => Promise<T>,
  { begin = true }: { begin?: boolean } = {},
): Promise<T> {
  const db = await pool.connect();
  try {
    if (begin) await db.query('BEGIN');
    const result = await fn(db);
    if (begin) await db.query('COMMIT');
    db.release();
    return result;
  } catch (e) {
    if (begin) await db.query('ROLLBACK').catch(() => undefined);
    db.release(true);
    // pg's Client has the server's process id, which its typings leave out.
    throw new PoolWriteError(e as Error, (db as unknown as { processID?: number }).processID ?? null);
  }
}
