import * as fs from 'node:fs';
import { createTestDatabase, withClient } from '../support/database';
import {
  SCHEMA_FILE,
  SNAPSHOT_COMMAND,
  schemaSnapshot,
  snapshotMajor,
  snapshotOfFreshDatabase,
} from '../support/schema-snapshot';

/**
 * migrations/schema.sql is the schema the migrations produce, in one file: a migration that
 * changes the schema commits the new snapshot with it, and review reads the SQL's diff.
 */
describe('migrations/schema.sql', () => {
  it('is the schema a fresh database has after every migration', async () => {
    const fresh = await snapshotOfFreshDatabase();
    const committed = fs.readFileSync(SCHEMA_FILE, 'utf8');
    const [freshMajor, committedMajor] = [snapshotMajor(fresh), snapshotMajor(committed)];
    // The server's major is in the header; the rest was found the same on 15 and 18. Should a
    // major deparse differently, the note below says which server the snapshot belongs to.
    const sameServer = (s: string) => s.replace(/^(-- Generated on PostgreSQL )\d+/m, '$1N');
    let note = `migrations/schema.sql is stale: run \`${SNAPSHOT_COMMAND}\` and commit it with the migration.`;
    if (freshMajor !== committedMajor)
      note +=
        `\nIt was generated on PostgreSQL ${committedMajor}, this server is ${freshMajor}: if the diff is only how` +
        ` this major writes SQL, generate it on the embedded PostgreSQL (without TEST_DATABASE_URL), as CI checks it.`;
    try {
      expect(sameServer(fresh)).toBe(sameServer(committed));
    } catch (e) {
      (e as Error).message = `${note}\n\n${(e as Error).message}`;
      throw e;
    }
    // Nothing that depends on the date: no month partition's name.
    expect(fresh).not.toMatch(/calls_\d{4}_\d{2}/);
  });

  it('refuses an object it would not show, rather than miss a change', async () => {
    const db = await createTestDatabase();
    try {
      await withClient(db.url, (c) => c.query('CREATE VIEW recent AS SELECT now() AS at'));
      await expect(withClient(db.url, schemaSnapshot)).rejects.toThrow(/does not render relation recent/);
    } finally {
      await db.drop();
    }
  });
});
