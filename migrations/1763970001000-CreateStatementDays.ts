import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A closed period's handles first seen per local day, written with its statement. The projection
 * reads the curves of up to twelve earlier periods: grouped from statement_handles that was a
 * count over a million rows per period per projection; here it is thirty rows. Immutable, like
 * the statement it belongs to. Existing statements get theirs from their frozen sets.
 */
export class CreateStatementDays1763970001000 implements MigrationInterface {
  name = 'CreateStatementDays1763970001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE statement_days (
        contract_id  uuid NOT NULL,
        period_start timestamptz NOT NULL,
        -- local date in the statement's time zone
        day          date NOT NULL,
        -- handles first seen that day, and how many of them X had confirmed when the period closed
        first_seen   integer NOT NULL,
        confirmed    integer NOT NULL,
        PRIMARY KEY (contract_id, period_start, day),
        FOREIGN KEY (contract_id, period_start) REFERENCES statements (contract_id, period_start)
      )`);
    await q.query(
      'CREATE TRIGGER statement_days_immutable BEFORE UPDATE OR DELETE ON statement_days FOR EACH ROW EXECUTE FUNCTION refuse_statement_change()',
    );
    await q.query(`
      INSERT INTO statement_days (contract_id, period_start, day, first_seen, confirmed)
      SELECT h.contract_id, h.period_start, (h.first_seen_at AT TIME ZONE s.timezone)::date, count(*), count(*) FILTER (WHERE h.confirmed)
        FROM statement_handles h JOIN statements s ON s.contract_id = h.contract_id AND s.period_start = h.period_start
       GROUP BY 1, 2, 3`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE statement_days');
  }
}
