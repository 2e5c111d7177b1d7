import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The month-end close: contract terms over time (so a period is billed on the terms in force
 * for it), immutable statements with their frozen handle sets, and reconciliations with X's invoices.
 */
export class CreateStatements1763910000000 implements MigrationInterface {
  name = 'CreateStatements1763910000000';

  async up(q: QueryRunner): Promise<void> {
    // One row per change of the terms a bill depends on; a period uses the last row from before its end.
    await q.query(`
      CREATE TABLE contract_terms (
        contract_id         uuid NOT NULL REFERENCES contracts (id),
        effective_from      timestamptz NOT NULL,
        handle_allowance    integer NOT NULL,
        overage_price_minor bigint NOT NULL,
        currency            char(3) NOT NULL,
        count_policy        text NOT NULL,
        PRIMARY KEY (contract_id, effective_from)
      )`);
    await q.query(`
      INSERT INTO contract_terms (contract_id, effective_from, handle_allowance, overage_price_minor, currency, count_policy)
      SELECT id, '-infinity', handle_allowance, overage_price_minor, currency, count_policy FROM contracts`);

    await q.query(`
      CREATE TABLE statements (
        contract_id         uuid NOT NULL REFERENCES contracts (id),
        period_start        timestamptz NOT NULL,
        period_end          timestamptz NOT NULL,
        period_key          text NOT NULL,
        timezone            text NOT NULL,
        count_policy        text NOT NULL,
        attempted_handles   integer NOT NULL,
        confirmed_handles   integer NOT NULL,
        unique_handles      integer NOT NULL,
        handle_allowance    integer NOT NULL,
        overage_price_minor bigint NOT NULL,
        currency            char(3) NOT NULL,
        overage_handles     integer NOT NULL,
        overage_cost_minor  bigint NOT NULL,
        calls               bigint NOT NULL,
        closed_at           timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (contract_id, period_start)
      )`);
    await q.query(`
      CREATE TABLE statement_handles (
        contract_id   uuid NOT NULL,
        period_start  timestamptz NOT NULL,
        user_id       bigint NOT NULL,
        screen_name   text,
        first_seen_at timestamptz NOT NULL,
        last_seen_at  timestamptz NOT NULL,
        calls         integer NOT NULL,
        confirmed     boolean NOT NULL,
        PRIMARY KEY (contract_id, period_start, user_id),
        FOREIGN KEY (contract_id, period_start) REFERENCES statements (contract_id, period_start)
      )`);
    // A statement is a record of what was billed: the database itself refuses to change one.
    await q.query(`
      CREATE FUNCTION refuse_statement_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'statements are immutable (% on %)', TG_OP, TG_TABLE_NAME;
      END $$`);
    for (const t of ['statements', 'statement_handles']) {
      await q.query(
        `CREATE TRIGGER ${t}_immutable BEFORE UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION refuse_statement_change()`,
      );
    }

    await q.query(`
      CREATE TABLE reconciliations (
        id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        contract_id           uuid NOT NULL REFERENCES contracts (id),
        period_start          timestamptz NOT NULL,
        period_key            text NOT NULL,
        invoiced_handles      integer NOT NULL,
        invoiced_amount_minor bigint,
        currency              char(3) NOT NULL,
        our_handles           integer NOT NULL,
        basis                 text NOT NULL CHECK (basis IN ('statement', 'live')),
        report                jsonb NOT NULL,
        created_by            uuid REFERENCES api_keys (id),
        created_at            timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX reconciliations_contract ON reconciliations (contract_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE reconciliations');
    await q.query('DROP TABLE statement_handles');
    await q.query('DROP TABLE statements');
    await q.query('DROP FUNCTION refuse_statement_change');
    await q.query('DROP TABLE contract_terms');
  }
}
