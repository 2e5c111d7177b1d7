import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Handles being connected through X's sign-in (3-legged OAuth 1.0a). The request token is the
 * credential of the callback, so it is found by its SHA-256 and kept only sealed (SecretBox),
 * with its secret, until it is used or expires; then both are destroyed and the row stays as
 * the record of who connected what.
 */
export class CreateHandleConnections1764160001000 implements MigrationInterface {
  name = 'CreateHandleConnections1764160001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE handle_connections (
        id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        app_id                   uuid NOT NULL REFERENCES apps (id),
        request_token_hash       text NOT NULL UNIQUE,
        request_token_enc        text,
        request_token_secret_enc text,
        oob                      boolean NOT NULL,
        created_by               uuid REFERENCES api_keys (id),
        created_at               timestamptz NOT NULL DEFAULT now(),
        expires_at               timestamptz NOT NULL,
        used_at                  timestamptz,
        outcome                  text CHECK (outcome IN ('connected', 'refused', 'denied')),
        handle_id                uuid REFERENCES handles (id)
      )`);
    await q.query(`CREATE INDEX handle_connections_pending ON handle_connections (expires_at) WHERE used_at IS NULL`);
    await q.query(`CREATE INDEX handle_connections_app ON handle_connections (app_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE handle_connections');
  }
}
