import { MigrationInterface, QueryRunner } from 'typeorm';
import { ReturnMeteringFromLedgerCountCalls1764100000000 } from './1764100000000-ReturnMeteringFromLedgerCountCalls';

/**
 * Aggregates kept by the ledger as it writes, in the same statements, so that usage, the
 * projection, the dashboard, the report and chargeback read a few thousand rows instead of a
 * period's handle set (a million rows) or its call log (fifty million):
 *
 * - period_activity: per (contract, period, 15-minute UTC slot, app) the calls made, the handles
 *   first seen (counted under `attempted`) and first confirmed (counted under `confirmed`) whose
 *   counting call was that app's, and the handles the app used for the first time in the period.
 *   A slot of 15 minutes in UTC rolls up exactly into the local days of every time zone (every
 *   zone's offset is a multiple of 15 minutes), so the rows do not depend on the contract's zone.
 *   Calls with no app (imports) use the all-zero app id: a key column cannot be null.
 * - period_handles.first_app_id / confirmed_app_id / apps: which app's call first counted the
 *   handle (under each policy), and every app that used it (chargeback, the roster's firstAppId).
 * - period_top_handles: every handle whose calls passed the period's 100th-highest count when it
 *   was last called; the dashboard's top handles are read from it instead of sorting the set.
 *
 * The function ledger_count_calls is replaced to keep them; ledger_rebuild_aggregates computes
 * them from the handle set and the call log, for the rows that existed before this migration
 * (and for the scale bench's seed).
 */
export class AddLedgerAggregates1764170000000 implements MigrationInterface {
  name = 'AddLedgerAggregates1764170000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE period_handles
        ADD COLUMN first_app_id     uuid,
        ADD COLUMN confirmed_app_id uuid,
        ADD COLUMN apps             uuid[] NOT NULL DEFAULT '{}'`);
    // Under countPolicy confirmed the roster's overage boundary is found in confirmation order.
    await q.query(
      `CREATE INDEX period_handles_confirmed ON period_handles (contract_id, period_start, confirmed_at, user_id) WHERE confirmed_at IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE period_activity (
        contract_id  uuid NOT NULL,
        period_start timestamptz NOT NULL,
        slot         timestamptz NOT NULL,
        app_id       uuid NOT NULL,
        calls        bigint NOT NULL DEFAULT 0,
        first_seen   integer NOT NULL DEFAULT 0,
        confirmed    integer NOT NULL DEFAULT 0,
        handles      integer NOT NULL DEFAULT 0,
        PRIMARY KEY (contract_id, period_start, slot, app_id)
      )`);
    await q.query(`
      CREATE TABLE period_top_handles (
        contract_id  uuid NOT NULL,
        period_start timestamptz NOT NULL,
        user_id      bigint NOT NULL,
        calls        integer NOT NULL,
        PRIMARY KEY (contract_id, period_start, user_id)
      )`);
    await q.query(
      `CREATE INDEX period_top_handles_calls ON period_top_handles (contract_id, period_start, calls DESC, user_id)`,
    );

    await q.query(`CREATE FUNCTION ledger_slot(at timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
                   RETURN date_bin('15 minutes', at, timestamptz '2000-01-01 00:00:00+00')`);
    await q.query(`CREATE FUNCTION ledger_no_app() RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
                   RETURN '00000000-0000-0000-0000-000000000000'::uuid`);
    await q.query(`CREATE FUNCTION ledger_union(a uuid[], b uuid[]) RETURNS uuid[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
                   RETURN CASE WHEN b <@ a THEN a ELSE ARRAY(SELECT DISTINCT x FROM unnest(a || b) AS x WHERE x IS NOT NULL ORDER BY 1) END`);

    await q.query(`DROP FUNCTION ledger_count_calls(${ARG_TYPES})`);
    await q.query(COUNT_CALLS_V2);
    await q.query(REBUILD);
    await q.query(`SELECT ledger_rebuild_aggregates(contract_id, period_start) FROM period_counters`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION ledger_rebuild_aggregates');
    // main's metering version back (its up drops this one: same arguments)
    await new ReturnMeteringFromLedgerCountCalls1764100000000().up(q);
    for (const f of ['ledger_union', 'ledger_no_app', 'ledger_slot']) await q.query(`DROP FUNCTION ${f}`);
    await q.query('DROP TABLE period_top_handles');
    await q.query('DROP TABLE period_activity');
    await q.query('DROP INDEX period_handles_confirmed');
    await q.query(
      'ALTER TABLE period_handles DROP COLUMN first_app_id, DROP COLUMN confirmed_app_id, DROP COLUMN apps',
    );
  }
}

/** Handles kept in period_top_handles: enough above the dashboard's ten that ties and uncounts do not thin it out. */
const TOP_KEPT = 100;

const ARGS = `
  c_id uuid[], c_at timestamptz[], c_contract uuid[], c_app uuid[], c_period timestamptz[],
  c_endpoint text[], c_user bigint[], c_tweets int[],
  h_contract uuid[], h_period timestamptz[], h_user bigint[], h_name text[],
  h_first timestamptz[], h_last timestamptz[], h_calls int[],
  p_contract uuid[], p_start timestamptz[], p_end timestamptz[], p_key text[], p_calls int[]`;

/** The argument types, to name the function in DROP FUNCTION. */
const ARG_TYPES = `uuid[], timestamptz[], uuid[], uuid[], timestamptz[], text[], bigint[], int[],
  uuid[], timestamptz[], bigint[], text[], timestamptz[], timestamptz[], int[],
  uuid[], timestamptz[], timestamptz[], text[], int[]`;

/**
 * Same arguments and the same metering rows returned as the version it replaces
 * (1764100000000-ReturnMeteringFromLedgerCountCalls; dropped and created again, in this
 * migration's transaction), so the callers do not change. A handle's apps come from the batch's
 * logged calls: imports log their calls themselves (no app), so for them the arrays are empty
 * and the handle has no first app. Every aggregate change is computed from the rows as they were
 * before this statement (`prior`, same snapshot) and after it (`seen`), so a first call that
 * moves earlier (a late commit from another instance, an older import) moves its count too.
 */
export const COUNT_CALLS_V2 = `
  CREATE FUNCTION ledger_count_calls(${ARGS}) RETURNS TABLE (
    r_contract uuid, r_period timestamptz, r_user bigint, r_inserted boolean, r_was_confirmed boolean,
    r_attempted int, r_confirmed int, r_allowance int
  ) LANGUAGE plpgsql AS $fn$
  BEGIN
    -- Create missing counter rows and lock all of the batch's, in one order for every writer.
    INSERT INTO period_counters AS pc (contract_id, period_start, period_end, period_key)
    SELECT * FROM unnest(p_contract, p_start, p_end, p_key) ORDER BY 1, 2
    ON CONFLICT (contract_id, period_start) DO UPDATE SET calls = pc.calls;

    INSERT INTO calls (id, at, contract_id, app_id, period_start, endpoint, user_id, tweet_count)
    SELECT * FROM unnest(c_id, c_at, c_contract, c_app, c_period, c_endpoint, c_user, c_tweets);

    RETURN QUERY
    WITH batch_apps AS (
      SELECT c.contract_id, c.period_start, c.user_id,
             (array_agg(c.app_id ORDER BY c.at))[1] AS first_app,
             coalesce(array_agg(DISTINCT c.app_id) FILTER (WHERE c.app_id IS NOT NULL), '{}') AS apps
        FROM unnest(c_contract, c_period, c_user, c_app, c_at) AS c (contract_id, period_start, user_id, app_id, at)
       WHERE c.user_id IS NOT NULL
       GROUP BY 1, 2, 3
    ), prior AS (
      SELECT ph.contract_id, ph.period_start, ph.user_id, ph.first_seen_at, ph.first_app_id, ph.apps
        FROM period_handles ph
        JOIN unnest(h_contract, h_period, h_user) AS v (contract_id, period_start, user_id)
          ON ph.contract_id = v.contract_id AND ph.period_start = v.period_start AND ph.user_id = v.user_id
    ), seen AS (
      INSERT INTO period_handles AS ph (contract_id, period_start, user_id, screen_name, first_seen_at, last_seen_at, calls, first_app_id, apps)
      SELECT h.*, b.first_app, coalesce(b.apps, '{}')
        FROM unnest(h_contract, h_period, h_user, h_name, h_first, h_last, h_calls)
             AS h (contract_id, period_start, user_id, screen_name, first_seen_at, last_seen_at, calls)
        LEFT JOIN batch_apps b ON b.contract_id = h.contract_id AND b.period_start = h.period_start AND b.user_id = h.user_id
       ORDER BY 1, 2, 3
      ON CONFLICT (contract_id, period_start, user_id) DO UPDATE SET
        first_seen_at = LEAST(ph.first_seen_at, EXCLUDED.first_seen_at),
        first_app_id  = CASE WHEN EXCLUDED.first_seen_at < ph.first_seen_at THEN EXCLUDED.first_app_id ELSE ph.first_app_id END,
        apps          = ledger_union(ph.apps, EXCLUDED.apps),
        last_seen_at  = GREATEST(ph.last_seen_at, EXCLUDED.last_seen_at),
        screen_name   = CASE WHEN EXCLUDED.last_seen_at >= ph.last_seen_at THEN coalesce(EXCLUDED.screen_name, ph.screen_name) ELSE ph.screen_name END,
        calls         = ph.calls + EXCLUDED.calls
      RETURNING ph.contract_id, ph.period_start, ph.user_id, ph.first_seen_at, ph.first_app_id, ph.apps, ph.calls, (xmax = 0) AS inserted,
                ph.confirmed_at IS NOT NULL AS was_confirmed
    ), moved AS (
      SELECT s.*, p.user_id IS NOT NULL AS existed, p.first_seen_at AS old_first, p.first_app_id AS old_app, coalesce(p.apps, '{}') AS old_apps
        FROM seen s LEFT JOIN prior p ON p.contract_id = s.contract_id AND p.period_start = s.period_start AND p.user_id = s.user_id
    ), deltas AS (
      -- where the handle is first seen now (+1) and where it was (-1), when that changed
      SELECT contract_id, period_start, ledger_slot(first_seen_at) AS slot, coalesce(first_app_id, ledger_no_app()) AS app_id,
             0::bigint AS calls, 1 AS first_seen, 0 AS handles
        FROM moved WHERE NOT existed OR old_first <> first_seen_at OR old_app IS DISTINCT FROM first_app_id
      UNION ALL
      SELECT contract_id, period_start, ledger_slot(old_first), coalesce(old_app, ledger_no_app()), 0, -1, 0
        FROM moved WHERE existed AND (old_first <> first_seen_at OR old_app IS DISTINCT FROM first_app_id)
      UNION ALL
      -- apps using the handle for the first time this period
      SELECT m.contract_id, m.period_start, ledger_slot(m.first_seen_at), a.app_id, 0, 0, 1
        FROM moved m CROSS JOIN LATERAL unnest(m.apps) AS a (app_id)
       WHERE NOT (a.app_id = ANY (m.old_apps))
      UNION ALL
      SELECT c.contract_id, c.period_start, ledger_slot(c.at), coalesce(c.app_id, ledger_no_app()), count(*), 0, 0
        FROM unnest(c_contract, c_period, c_app, c_at) AS c (contract_id, period_start, app_id, at)
       GROUP BY 1, 2, 3, 4
    ), activity AS (
      INSERT INTO period_activity AS a (contract_id, period_start, slot, app_id, calls, first_seen, handles)
      SELECT contract_id, period_start, slot, app_id, sum(calls), sum(first_seen), sum(handles)
        FROM deltas GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
      ON CONFLICT (contract_id, period_start, slot, app_id) DO UPDATE SET
        calls = a.calls + EXCLUDED.calls, first_seen = a.first_seen + EXCLUDED.first_seen, handles = a.handles + EXCLUDED.handles
    ), floors AS (
      SELECT v.contract_id, v.period_start,
             coalesce((SELECT t.calls FROM period_top_handles t WHERE t.contract_id = v.contract_id AND t.period_start = v.period_start
                        ORDER BY t.calls DESC OFFSET ${TOP_KEPT - 1} LIMIT 1), 0) AS floor
        FROM unnest(p_contract, p_start) AS v (contract_id, period_start)
    ), top AS (
      INSERT INTO period_top_handles AS t (contract_id, period_start, user_id, calls)
      SELECT s.contract_id, s.period_start, s.user_id, s.calls
        FROM seen s JOIN floors f ON f.contract_id = s.contract_id AND f.period_start = s.period_start
       WHERE s.calls > f.floor
       ORDER BY 1, 2, 3
      ON CONFLICT (contract_id, period_start, user_id) DO UPDATE SET calls = EXCLUDED.calls
    ), fresh AS (
      SELECT s.contract_id, s.period_start, count(*) FILTER (WHERE s.inserted)::int AS n FROM seen s GROUP BY 1, 2
    ), counted AS (
      UPDATE period_counters pc
         SET calls = pc.calls + v.calls, attempted_handles = pc.attempted_handles + coalesce(fresh.n, 0)
        FROM unnest(p_contract, p_start, p_calls) AS v (contract_id, period_start, calls)
        LEFT JOIN fresh ON fresh.contract_id = v.contract_id AND fresh.period_start = v.period_start
       WHERE pc.contract_id = v.contract_id AND pc.period_start = v.period_start
      RETURNING pc.contract_id, pc.period_start, pc.attempted_handles, pc.confirmed_handles
    )
    -- The metering rows (migrations/1764100000000-ReturnMeteringFromLedgerCountCalls.ts); the
    -- activity and top CTEs above run to completion though the result does not read them.
    SELECT s.contract_id, s.period_start, s.user_id, s.inserted, s.was_confirmed,
           c.attempted_handles, c.confirmed_handles, k.handle_allowance
      FROM seen s
      JOIN counted c ON c.contract_id = s.contract_id AND c.period_start = s.period_start
      JOIN contracts k ON k.id = s.contract_id;
  END
  $fn$`;

/**
 * The aggregates of one period computed afresh from its handle set and call log (under the
 * period's counter lock, like every writer). A handle's first app is the app of its earliest
 * logged call, its confirming app that of its earliest 2xx.
 */
const REBUILD = `
  CREATE FUNCTION ledger_rebuild_aggregates(p_contract uuid, p_period timestamptz) RETURNS void LANGUAGE plpgsql AS $fn$
  BEGIN
    PERFORM 1 FROM period_counters WHERE contract_id = p_contract AND period_start = p_period FOR UPDATE;
    DELETE FROM period_activity WHERE contract_id = p_contract AND period_start = p_period;
    DELETE FROM period_top_handles WHERE contract_id = p_contract AND period_start = p_period;

    UPDATE period_handles ph SET first_app_id = f.first_app, confirmed_app_id = CASE WHEN ph.confirmed_at IS NOT NULL THEN coalesce(f.confirmed_app, f.first_app) END, apps = f.apps
      FROM (SELECT user_id,
                   (array_agg(app_id ORDER BY at))[1] AS first_app,
                   (array_agg(app_id ORDER BY at) FILTER (WHERE status BETWEEN 200 AND 299))[1] AS confirmed_app,
                   coalesce(array_agg(DISTINCT app_id) FILTER (WHERE app_id IS NOT NULL), '{}') AS apps
              FROM calls WHERE contract_id = p_contract AND period_start = p_period AND user_id IS NOT NULL
             GROUP BY 1) f
     WHERE ph.contract_id = p_contract AND ph.period_start = p_period AND ph.user_id = f.user_id;

    INSERT INTO period_activity (contract_id, period_start, slot, app_id, calls, first_seen, confirmed, handles)
    SELECT p_contract, p_period, slot, app_id, sum(calls), sum(first_seen), sum(confirmed), sum(handles)
      FROM (
        SELECT ledger_slot(at) AS slot, coalesce(app_id, ledger_no_app()) AS app_id, count(*) AS calls, 0 AS first_seen, 0 AS confirmed, 0 AS handles
          FROM calls WHERE contract_id = p_contract AND period_start = p_period GROUP BY 1, 2
        UNION ALL
        SELECT ledger_slot(first_seen_at), coalesce(first_app_id, ledger_no_app()), 0, count(*), 0, 0
          FROM period_handles WHERE contract_id = p_contract AND period_start = p_period GROUP BY 1, 2
        UNION ALL
        SELECT ledger_slot(confirmed_at), coalesce(confirmed_app_id, ledger_no_app()), 0, 0, count(*), 0
          FROM period_handles WHERE contract_id = p_contract AND period_start = p_period AND confirmed_at IS NOT NULL GROUP BY 1, 2
        UNION ALL
        SELECT ledger_slot(ph.first_seen_at), a.app_id, 0, 0, 0, count(*)
          FROM period_handles ph CROSS JOIN LATERAL unnest(ph.apps) AS a (app_id)
         WHERE ph.contract_id = p_contract AND ph.period_start = p_period GROUP BY 1, 2
      ) d
     GROUP BY slot, app_id;

    INSERT INTO period_top_handles (contract_id, period_start, user_id, calls)
    SELECT contract_id, period_start, user_id, calls FROM period_handles
     WHERE contract_id = p_contract AND period_start = p_period ORDER BY calls DESC, user_id LIMIT ${TOP_KEPT};
  END
  $fn$`;
