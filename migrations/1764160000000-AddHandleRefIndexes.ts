import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A preflight resolves up to 10,000 handle references across a contract's apps in one query:
 * one index descent per reference (by user ID or by lowercased screen name) instead of one per
 * app. The unique indexes keyed by app stay: they are the rules.
 */
export class AddHandleRefIndexes1764160000000 implements MigrationInterface {
  name = 'AddHandleRefIndexes1764160000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX handles_live_by_user ON handles (user_id, app_id) WHERE deleted_at IS NULL`);
    await q.query(
      `CREATE INDEX handles_live_by_name ON handles (lower(screen_name), app_id) INCLUDE (user_id) WHERE deleted_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX handles_live_by_name');
    await q.query('DROP INDEX handles_live_by_user');
  }
}
