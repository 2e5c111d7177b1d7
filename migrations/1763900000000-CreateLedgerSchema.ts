import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first schema: contracts, apps, handle credentials and API keys (admin side), and the
 * usage ledger (call log, the per-period handle set whose size is the bill, per-period counters).
 */
export class CreateLedgerSchema1763900000000 implements MigrationInterface {
  name = 'CreateLedgerSchema1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE contracts (
        id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name                text NOT NULL,
        handle_allowance    integer NOT NULL CHECK (handle_allowance >= 0),
        overage_price_minor bigint NOT NULL CHECK (overage_price_minor >= 0),
        currency            char(3) NOT NULL,
        timezone            text NOT NULL,
        billing_day         smallint NOT NULL CHECK (billing_day BETWEEN 1 AND 28),
        count_policy        text NOT NULL DEFAULT 'attempted' CHECK (count_policy IN ('attempted', 'confirmed')),
        enforcement         text NOT NULL DEFAULT 'track' CHECK (enforcement IN ('track', 'block')),
        alert_thresholds    jsonb NOT NULL DEFAULT '[]',
        notify_emails       text[] NOT NULL DEFAULT '{}',
        notify_webhook_url  text,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE apps (
        id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        contract_id         uuid NOT NULL REFERENCES contracts (id),
        name                text NOT NULL,
        consumer_key        text NOT NULL UNIQUE,
        consumer_secret_enc text NOT NULL,
        bearer_token_enc    text,
        -- SHA-256 of the bearer token, so a drop-in client's bearer can be looked up without decrypting every app
        bearer_token_hash   text UNIQUE,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE handles (
        id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        app_id                  uuid NOT NULL REFERENCES apps (id),
        user_id                 bigint NOT NULL,
        screen_name             text NOT NULL,
        access_token_enc        text,
        access_token_secret_enc text,
        access_token_hash       text,
        token_hint              text,
        created_at              timestamptz NOT NULL DEFAULT now(),
        deleted_at              timestamptz
      )`);
    // Deleted handles keep their row (history) but free the user ID, screen name and token.
    await q.query(`CREATE UNIQUE INDEX handles_live_user ON handles (app_id, user_id) WHERE deleted_at IS NULL`);
    await q.query(
      `CREATE UNIQUE INDEX handles_live_screen_name ON handles (app_id, lower(screen_name)) WHERE deleted_at IS NULL`,
    );
    await q.query(`CREATE UNIQUE INDEX handles_live_token ON handles (access_token_hash) WHERE deleted_at IS NULL`);
    await q.query(`
      CREATE TABLE api_keys (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name         text NOT NULL,
        role         text NOT NULL CHECK (role IN ('admin', 'finance', 'client')),
        app_id       uuid REFERENCES apps (id),
        key_hash     text NOT NULL UNIQUE,
        key_hint     text NOT NULL,
        created_by   uuid REFERENCES api_keys (id),
        created_at   timestamptz NOT NULL DEFAULT now(),
        revoked_at   timestamptz,
        CHECK ((role = 'client') = (app_id IS NOT NULL))
      )`);
    await q.query(`
      CREATE TABLE audit_log (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at          timestamptz NOT NULL DEFAULT now(),
        actor_key_id uuid REFERENCES api_keys (id),
        action      text NOT NULL,
        entity      text NOT NULL,
        entity_id   text NOT NULL,
        changes     jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC)`);

    // The call log: one row per call that passed validation and enforcement, written before it is sent.
    await q.query(`
      CREATE TABLE calls (
        id                   uuid PRIMARY KEY,
        at                   timestamptz NOT NULL,
        contract_id          uuid NOT NULL REFERENCES contracts (id),
        app_id               uuid REFERENCES apps (id),
        period_start         timestamptz NOT NULL,
        endpoint             text NOT NULL,
        user_id              bigint,
        tweet_count          integer NOT NULL,
        source               text NOT NULL DEFAULT 'gateway' CHECK (source IN ('gateway', 'import')),
        external_id          text,
        outcome              text NOT NULL DEFAULT 'sent'
                             CHECK (outcome IN ('sent', 'answered', 'timeout', 'unreachable', 'failed')),
        status               smallint,
        latency_ms           integer,
        rate_limit_limit     integer,
        rate_limit_remaining integer
      )`);
    await q.query(`CREATE INDEX calls_contract_at ON calls (contract_id, at)`);
    await q.query(
      `CREATE UNIQUE INDEX calls_external_id ON calls (contract_id, external_id) WHERE external_id IS NOT NULL`,
    );

    // The set whose size is the bill: one row per (contract, period, X user ID).
    await q.query(`
      CREATE TABLE period_handles (
        contract_id   uuid NOT NULL REFERENCES contracts (id),
        period_start  timestamptz NOT NULL,
        user_id       bigint NOT NULL,
        screen_name   text,
        first_seen_at timestamptz NOT NULL,
        last_seen_at  timestamptz NOT NULL,
        calls         integer NOT NULL,
        confirmed_at  timestamptz,
        PRIMARY KEY (contract_id, period_start, user_id)
      )`);
    await q.query(
      `CREATE INDEX period_handles_roster ON period_handles (contract_id, period_start, first_seen_at, user_id)`,
    );

    // One row per (contract, period): reading usage is one row, not a count over a million.
    await q.query(`
      CREATE TABLE period_counters (
        contract_id       uuid NOT NULL REFERENCES contracts (id),
        period_start      timestamptz NOT NULL,
        period_end        timestamptz NOT NULL,
        period_key        text NOT NULL,
        attempted_handles integer NOT NULL DEFAULT 0,
        confirmed_handles integer NOT NULL DEFAULT 0,
        calls             bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (contract_id, period_start)
      )`);
    await q.query(`
      CREATE TABLE app_rate_limits (
        app_id               uuid PRIMARY KEY REFERENCES apps (id),
        per_minute_limit     integer,
        per_minute_remaining integer,
        seen_at              timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'app_rate_limits',
      'period_counters',
      'period_handles',
      'calls',
      'audit_log',
      'api_keys',
      'handles',
      'apps',
      'contracts',
    ]) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
