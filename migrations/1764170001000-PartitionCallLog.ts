import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The call log partitioned by month of `at` (UTC calendar months), so that a month past
 * CALL_LOG_RETENTION_MONTHS is dropped as a table instead of deleted row by row, and a
 * period-wide scan reads one or two months, not the service's whole history.
 *
 * The existing table is converted in this migration's transaction: renamed, its rows copied into
 * the partitioned table (a partition per month they span, plus the months ahead), the counts
 * compared, and dropped. Nothing is visible half-done: a failure rolls the whole migration back.
 *
 * A partitioned table's unique keys must contain the partition key, so the primary key becomes
 * (id, at), and "an imported call is logged once per external id" moves to its own small table,
 * imported_calls (the call log's old unique index could not stay unique across partitions).
 *
 * call_log_ensure_partition(month) creates one month's partition if it is missing: as a plain table
 * attached afterwards, because ATTACH PARTITION takes a lock on the parent that does not block the
 * gateway's inserts (CREATE TABLE ... PARTITION OF would). The scheduler calls it for the months
 * ahead; an import calls it for the months of its rows.
 */
export class PartitionCallLog1764170001000 implements MigrationInterface {
  name = 'PartitionCallLog1764170001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION call_log_ensure_partition(m date) RETURNS boolean LANGUAGE plpgsql AS $fn$
      DECLARE
        first date := date_trunc('month', m)::date;
        name text := 'calls_' || to_char(first, 'YYYY_MM');
      BEGIN
        -- one creator at a time (several instances run the scheduler)
        PERFORM pg_advisory_xact_lock(7112013, 0);
        IF to_regclass(name) IS NOT NULL THEN RETURN false; END IF;
        EXECUTE format('CREATE TABLE %I (LIKE calls INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
        EXECUTE format('ALTER TABLE calls ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', name,
                       (first::timestamp AT TIME ZONE 'UTC'), ((first + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
        RETURN true;
      END
      $fn$`);

    await q.query('ALTER TABLE calls RENAME TO calls_unpartitioned');
    await q.query('ALTER INDEX calls_pkey RENAME TO calls_unpartitioned_pkey');
    await q.query('ALTER INDEX calls_contract_at RENAME TO calls_unpartitioned_contract_at');
    await q.query('ALTER INDEX calls_external_id RENAME TO calls_unpartitioned_external_id');
    await q.query(`
      CREATE TABLE calls (
        id                   uuid NOT NULL,
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
        rate_limit_remaining integer,
        PRIMARY KEY (id, at)
      ) PARTITION BY RANGE (at)`);
    await q.query('CREATE INDEX calls_contract_at ON calls (contract_id, at)');
    await q.query(`
      CREATE TABLE imported_calls (
        contract_id uuid NOT NULL REFERENCES contracts (id),
        external_id text NOT NULL,
        PRIMARY KEY (contract_id, external_id)
      )`);
    await q.query(
      'INSERT INTO imported_calls (contract_id, external_id) SELECT contract_id, external_id FROM calls_unpartitioned WHERE external_id IS NOT NULL',
    );

    await q.query(`
      SELECT call_log_ensure_partition(m::date)
        FROM generate_series(date_trunc('month', coalesce((SELECT min(at) FROM calls_unpartitioned), now()) AT TIME ZONE 'UTC'),
                             date_trunc('month', now() AT TIME ZONE 'UTC') + interval '2 months', interval '1 month') AS m`);
    // A row dated past the months ahead (a clock far off) gets its month too.
    await q.query(
      `SELECT call_log_ensure_partition(m) FROM (SELECT DISTINCT (date_trunc('month', at AT TIME ZONE 'UTC'))::date AS m FROM calls_unpartitioned) x`,
    );
    await q.query('INSERT INTO calls SELECT * FROM calls_unpartitioned');
    const counts = (await q.query(
      'SELECT (SELECT count(*) FROM calls_unpartitioned)::text AS before, (SELECT count(*) FROM calls)::text AS after',
    )) as { before: string; after: string }[];
    const [{ before, after }] = counts;
    if (before !== after) throw new Error(`call log conversion copied ${after} of ${before} rows`);
    await q.query('DROP TABLE calls_unpartitioned');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE calls RENAME TO calls_partitioned');
    await q.query(`CREATE TABLE calls (LIKE calls_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
    await q.query('INSERT INTO calls SELECT * FROM calls_partitioned');
    await q.query('DROP TABLE calls_partitioned');
    await q.query('ALTER TABLE calls ADD PRIMARY KEY (id)');
    await q.query(
      'ALTER TABLE calls ADD FOREIGN KEY (contract_id) REFERENCES contracts (id), ADD FOREIGN KEY (app_id) REFERENCES apps (id)',
    );
    await q.query('CREATE INDEX calls_contract_at ON calls (contract_id, at)');
    await q.query(
      'CREATE UNIQUE INDEX calls_external_id ON calls (contract_id, external_id) WHERE external_id IS NOT NULL',
    );
    await q.query('DROP TABLE imported_calls');
    await q.query('DROP FUNCTION call_log_ensure_partition');
  }
}
