import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ADMIN_API_KEY key is marked rather than recognised by its name, and its hash becomes a
 * salted scrypt (the operator chose it, so unlike generated keys it may be guessable offline).
 * Existing bootstrap rows keep their SHA-256 until the next start re-hashes them.
 */
export class MarkBootstrapApiKeys1764100001000 implements MigrationInterface {
  name = 'MarkBootstrapApiKeys1764100001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys ADD COLUMN bootstrap boolean NOT NULL DEFAULT false`);
    await q.query(`UPDATE api_keys SET bootstrap = true WHERE name = 'bootstrap (ADMIN_API_KEY)'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys DROP COLUMN bootstrap`);
  }
}
