import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dashboard sign-ins. The cookie carries a random 256-bit token; only its SHA-256 is stored, so
 * a copy of the database opens no session. A session lives only as long as its API key does:
 * every lookup joins the key, so revoking the key ends its sessions at once.
 */
export class CreateDashboardSessions1763940000000 implements MigrationInterface {
  name = 'CreateDashboardSessions1763940000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dashboard_sessions (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash  text NOT NULL UNIQUE,
        api_key_id  uuid NOT NULL REFERENCES api_keys (id),
        created_at  timestamptz NOT NULL DEFAULT now(),
        expires_at  timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE dashboard_sessions');
  }
}
