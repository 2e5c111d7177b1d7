import { DataSource } from 'typeorm';
import { DatabaseLock } from './database-lock';

/**
 * Runs pending migrations while holding a session advisory lock, so several instances starting
 * together apply each migration once; the others wait, then find nothing to do.
 */
export async function runMigrationsLocked(ds: DataSource): Promise<void> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.query('SELECT pg_advisory_lock($1)', [DatabaseLock.Migrations]);
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await qr.query('SELECT pg_advisory_unlock($1)', [DatabaseLock.Migrations]).catch(() => undefined);
    await qr.release();
  }
}
