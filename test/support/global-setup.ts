import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

/**
 * One real PostgreSQL for the whole run: the embedded one, unless TEST_DATABASE_URL names a server
 * where the tests may create databases. Each test file then gets a fresh database of its own.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handlemeter-test-'));
  // PostgreSQL runs as the `postgres` user when we are root: it must be able to reach its directory.
  fs.chmodSync(dir, 0o755);
  const db = await startEmbeddedPostgres(dir);
  process.env.TEST_DATABASE_URL = db.url;
  (globalThis as Record<string, unknown>).__handlemeterDb = { db, dir };
}
