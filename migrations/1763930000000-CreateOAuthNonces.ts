import { MigrationInterface, QueryRunner } from 'typeorm';

/** Drop-in OAuth 1.0a: nonces seen in the timestamp window, shared by every instance on the database. */
export class CreateOAuthNonces1763930000000 implements MigrationInterface {
  name = 'CreateOAuthNonces1763930000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE oauth_nonces (
        consumer_key text NOT NULL,
        -- SHA-256 of the access token (or '' for none): the token itself is a secret
        token_hash   text NOT NULL,
        nonce        text NOT NULL,
        seen_at      timestamptz NOT NULL,
        PRIMARY KEY (consumer_key, token_hash, nonce)
      )`);
    await q.query(`CREATE INDEX oauth_nonces_seen ON oauth_nonces (seen_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE oauth_nonces');
  }
}
