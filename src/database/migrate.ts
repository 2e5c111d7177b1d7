import { DataSource } from 'typeorm';

/** Any constant will do; it only has to be the same on every instance. */
const MIGRATION_LOCK = 7_112_001;

/**
 * Runs pending migrations while holding a session advisory lock, so several instances starting
 * together apply each migration once; the others wait, then find nothing to do.
 */
export async function runMigrationsLocked(ds: DataSource): Promise<void> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await qr.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await qr.release();
  }
}
