import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a statement bills per app, frozen with it: the roster's firstAppId and overage flag on the
 * frozen handle set, and statement_apps (per app: calls, handles used, handles it counted first,
 * and of those the overage ones). Immutable like the statement.
 *
 * Statements closed before this migration get theirs from the live aggregates and handle set
 * (the migration adds derived columns, it changes no billed figure, so the immutability trigger
 * is set aside for that one update).
 */
export class AddStatementChargeback1764170002000 implements MigrationInterface {
  name = 'AddStatementChargeback1764170002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE statement_handles ADD COLUMN first_app_id uuid, ADD COLUMN overage boolean NOT NULL DEFAULT false',
    );
    await q.query(`
      CREATE TABLE statement_apps (
        contract_id     uuid NOT NULL,
        period_start    timestamptz NOT NULL,
        -- the all-zero id: calls and handles with no app (imported history)
        app_id          uuid NOT NULL,
        calls           bigint NOT NULL,
        handles         integer NOT NULL,
        first_counted   integer NOT NULL,
        overage_handles integer NOT NULL,
        PRIMARY KEY (contract_id, period_start, app_id),
        FOREIGN KEY (contract_id, period_start) REFERENCES statements (contract_id, period_start)
      )`);
    await q.query(
      'CREATE TRIGGER statement_apps_immutable BEFORE UPDATE OR DELETE ON statement_apps FOR EACH ROW EXECUTE FUNCTION refuse_statement_change()',
    );

    await q.query('ALTER TABLE statement_handles DISABLE TRIGGER statement_handles_immutable');
    await q.query(`
      UPDATE statement_handles sh
         SET first_app_id = r.app, overage = r.counted AND r.rank > r.allowance
        FROM (
          SELECT h.contract_id, h.period_start, h.user_id, s.handle_allowance AS allowance,
                 CASE WHEN s.count_policy = 'confirmed' THEN ph.confirmed_app_id ELSE ph.first_app_id END AS app,
                 s.count_policy = 'attempted' OR h.confirmed AS counted,
                 row_number() OVER (PARTITION BY h.contract_id, h.period_start, (s.count_policy = 'attempted' OR h.confirmed)
                                    ORDER BY CASE WHEN s.count_policy = 'confirmed' THEN coalesce(ph.confirmed_at, h.first_seen_at) ELSE h.first_seen_at END, h.user_id) AS rank
            FROM statement_handles h
            JOIN statements s ON s.contract_id = h.contract_id AND s.period_start = h.period_start
            LEFT JOIN period_handles ph ON ph.contract_id = h.contract_id AND ph.period_start = h.period_start AND ph.user_id = h.user_id
        ) r
       WHERE sh.contract_id = r.contract_id AND sh.period_start = r.period_start AND sh.user_id = r.user_id`);
    await q.query('ALTER TABLE statement_handles ENABLE TRIGGER statement_handles_immutable');
    await q.query(`
      INSERT INTO statement_apps (contract_id, period_start, app_id, calls, handles, first_counted, overage_handles)
      SELECT s.contract_id, s.period_start, x.app_id, sum(x.calls), sum(x.handles), sum(x.first_counted), sum(x.overage)
        FROM statements s
        CROSS JOIN LATERAL (
          SELECT a.app_id, a.calls, a.handles, 0 AS first_counted, 0 AS overage
            FROM period_activity a WHERE a.contract_id = s.contract_id AND a.period_start = s.period_start
          UNION ALL
          SELECT coalesce(h.first_app_id, ledger_no_app()), 0, 0, count(*), count(*) FILTER (WHERE h.overage)
            FROM statement_handles h
           WHERE h.contract_id = s.contract_id AND h.period_start = s.period_start AND (s.count_policy = 'attempted' OR h.confirmed)
           GROUP BY 1
        ) x
       GROUP BY 1, 2, 3`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE statement_apps');
    await q.query('ALTER TABLE statement_handles DROP COLUMN first_app_id, DROP COLUMN overage');
  }
}
