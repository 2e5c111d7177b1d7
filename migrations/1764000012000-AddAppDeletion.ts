import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Apps can be deleted (DELETE /apps/:id): the row stays for the history that names it (calls,
 * chargeback), its secrets are destroyed, and its consumer key is free to register again, so the
 * key is unique among live apps only (as handles' user IDs and tokens already are).
 */
export class AddAppDeletion1764000012000 implements MigrationInterface {
  name = 'AddAppDeletion1764000012000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE apps ADD COLUMN deleted_at timestamptz`);
    await q.query(`ALTER TABLE apps ALTER COLUMN consumer_secret_enc DROP NOT NULL`);
    await q.query(`ALTER TABLE apps DROP CONSTRAINT apps_consumer_key_key`);
    await q.query(`CREATE UNIQUE INDEX apps_live_consumer_key ON apps (consumer_key) WHERE deleted_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX apps_live_consumer_key`);
    // Fails while a deleted app and a live one share a consumer key: which to drop is a person's call.
    await q.query(`ALTER TABLE apps ADD CONSTRAINT apps_consumer_key_key UNIQUE (consumer_key)`);
    await q.query(`ALTER TABLE apps DROP COLUMN deleted_at`);
  }
}
