import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { SCHEMA_FILE, snapshotOfFreshDatabase } from './schema-snapshot';

/**
 * `npm run schema:snapshot`: migrates a fresh database and writes migrations/schema.sql. On the
 * server TEST_DATABASE_URL names, else on the embedded PostgreSQL (as the test suite's global
 * setup does), which is the one CI checks the snapshot on.
 */
async function main(): Promise<void> {
  let embedded: { db: EmbeddedDatabase; dir: string } | undefined;
  if (!process.env.TEST_DATABASE_URL) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handlemeter-schema-'));
    // PostgreSQL runs as the `postgres` user when we are root: it must be able to reach its directory.
    fs.chmodSync(dir, 0o755);
    embedded = { db: await startEmbeddedPostgres(dir), dir };
    process.env.TEST_DATABASE_URL = embedded.db.url;
  }
  try {
    fs.writeFileSync(SCHEMA_FILE, await snapshotOfFreshDatabase());
    console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
  } finally {
    if (embedded) {
      await embedded.db.stop();
      fs.rmSync(embedded.dir, { recursive: true, force: true });
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
