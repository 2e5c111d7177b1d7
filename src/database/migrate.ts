import { DataSource, MigrationExecutor } from 'typeorm';
import { DatabaseLock } from './database-lock';

/**
 * Runs pending migrations while holding a session advisory lock, so several instances starting
 * together apply each migration once; the others wait, then find nothing to do.
 */
export async function runMigrationsLocked(ds: DataSource): Promise<void> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    // Reads time out (data-source.ts); a migration rewriting a large table may rightly take longer.
    await qr.query('SET statement_timeout = 0');
    await qr.query('SELECT pg_advisory_lock($1)', [DatabaseLock.Migrations]);
    const migrations = new MigrationExecutor(ds, qr);
    migrations.transaction = 'each';
    await migrations.executePendingMigrations();
  } finally {
    await qr.query('SELECT pg_advisory_unlock($1)', [DatabaseLock.Migrations]).catch(() => undefined);
    await qr.query('RESET statement_timeout').catch(() => undefined);
    await qr.release();
  }
}
