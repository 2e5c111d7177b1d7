import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alerts (threshold and projection) and the durable outbox that delivers them and the monthly
 * reports: a message is a row written in the same transaction as the event that raised it.
 */
export class CreateAlertsAndOutbox1763920000000 implements MigrationInterface {
  name = 'CreateAlertsAndOutbox1763920000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alerts (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        contract_id  uuid NOT NULL REFERENCES contracts (id),
        period_start timestamptz NOT NULL,
        period_key   text NOT NULL,
        kind         text NOT NULL CHECK (kind IN ('threshold', 'projection')),
        threshold    numeric(8, 4),
        -- "once per threshold per period" and "once per projection level" as a database fact
        dedupe_key   text NOT NULL UNIQUE,
        message      text NOT NULL,
        figures      jsonb NOT NULL,
        raised_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX alerts_contract ON alerts (contract_id, raised_at DESC)`);
    await q.query(`
      CREATE TABLE outbox (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        contract_id     uuid NOT NULL REFERENCES contracts (id),
        alert_id        uuid REFERENCES alerts (id),
        kind            text NOT NULL CHECK (kind IN ('alert', 'report')),
        channel         text NOT NULL CHECK (channel IN ('email', 'webhook')),
        target          text NOT NULL,
        payload         jsonb NOT NULL,
        dedupe_key      text NOT NULL UNIQUE,
        status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'logged', 'failed')),
        attempts        integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        lease_until     timestamptz,
        last_error      text,
        sent_at         timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status IN ('pending', 'sending')`);
    await q.query(`CREATE INDEX outbox_alert ON outbox (alert_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE outbox');
    await q.query('DROP TABLE alerts');
  }
}
