import { MigrationInterface, QueryRunner } from 'typeorm';
import { COUNT_CALLS_V2 } from './1764170000000-AddLedgerAggregates';

/**
 * The projection's "handles that came back" read from the ledger's aggregates instead of the call
 * log: the distinct handles called on each local day of the open period (the contract's zone,
 * which cannot change once it has usage), kept by the ledger as it writes.
 *
 * - period_handles.days: bit d set when the handle was called on local day d of its period
 *   (periods are at most 31 days; a day past bit 62 is not recorded).
 * - period_activity.active: per slot and app, the handles called for the first time that local
 *   day, at the slot (and app) of that day's first call; the slots of a local day add up to the
 *   day's distinct handles. Unlike the other columns it depends on the contract's zone.
 *
 * ledger_count_calls gains `c_log`: imports pass their calls too (they log them themselves, with
 * their external ids, so the function does not), so their days and their calls per slot are kept
 * by the same statement as the gateway's. The previous signature stays, as a wrapper, so that an
 * instance of the previous release keeps writing during a rolling deploy.
 *
 * A handle all of whose calls never reached X leaves the period (DROP_UNSENT_HANDLES) but keeps
 * its day's `active`: the series may count such a handle twice on a day it is called again. It is
 * an input to a projection, never a billed figure.
 */
export class CountHandlesActivePerDay1764180000000 implements MigrationInterface {
  name = 'CountHandlesActivePerDay1764180000000';

  async up(q: QueryRunner): Promise<void> {
    // Constant defaults: no table rewrite, whatever the number of handles.
    await q.query(`ALTER TABLE period_handles ADD COLUMN days bigint NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE period_activity ADD COLUMN active integer NOT NULL DEFAULT 0`);
    await q.query(`
      CREATE FUNCTION ledger_day_bit(t timestamptz, p_start timestamptz, tz text) RETURNS bigint
      LANGUAGE sql STABLE PARALLEL SAFE
      RETURN CASE WHEN (t AT TIME ZONE tz)::date - (p_start AT TIME ZONE tz)::date BETWEEN 0 AND 62
                  THEN 1::bigint << ((t AT TIME ZONE tz)::date - (p_start AT TIME ZONE tz)::date) ELSE 0 END`);
    await q.query(`DROP FUNCTION ledger_count_calls(${ARG_TYPES})`);
    await q.query(COUNT_CALLS_V3);
    await q.query(`
      CREATE FUNCTION ledger_count_calls(${ARGS}) RETURNS TABLE (
        r_contract uuid, r_period timestamptz, r_user bigint, r_inserted boolean, r_was_confirmed boolean,
        r_attempted int, r_confirmed int, r_allowance int
      ) LANGUAGE sql AS $fn$
        SELECT * FROM ledger_count_calls(c_id, c_at, c_contract, c_app, c_period, c_endpoint, c_user, c_tweets,
          h_contract, h_period, h_user, h_name, h_first, h_last, h_calls, p_contract, p_start, p_end, p_key, p_calls, true)
      $fn$`);
    await q.query(REBUILD_ACTIVE_DAYS);
    await q.query(
      `ALTER FUNCTION ledger_rebuild_aggregates(uuid, timestamptz) RENAME TO ledger_rebuild_slot_aggregates`,
    );
    await q.query(`
      CREATE FUNCTION ledger_rebuild_aggregates(p_contract uuid, p_period timestamptz) RETURNS void LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM ledger_rebuild_slot_aggregates(p_contract, p_period);
        PERFORM ledger_rebuild_active_days(p_contract, p_period);
      END
      $fn$`);
    // Only open periods are projected; a closed one's days are in its statement.
    await q.query(`
      SELECT ledger_rebuild_active_days(pc.contract_id, pc.period_start) FROM period_counters pc
       WHERE NOT EXISTS (SELECT 1 FROM statements s WHERE s.contract_id = pc.contract_id AND s.period_start = pc.period_start)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION ledger_rebuild_aggregates(uuid, timestamptz)');
    await q.query(
      `ALTER FUNCTION ledger_rebuild_slot_aggregates(uuid, timestamptz) RENAME TO ledger_rebuild_aggregates`,
    );
    await q.query('DROP FUNCTION ledger_rebuild_active_days');
    await q.query(`DROP FUNCTION ledger_count_calls(${ARG_TYPES})`);
    await q.query(`DROP FUNCTION ledger_count_calls(${ARG_TYPES}, boolean)`);
    await q.query(COUNT_CALLS_V2);
    await q.query('DROP FUNCTION ledger_day_bit');
    await q.query('ALTER TABLE period_activity DROP COLUMN active');
    await q.query('ALTER TABLE period_handles DROP COLUMN days');
  }
}

/** Handles kept in period_top_handles (as in 1764170000000-AddLedgerAggregates). */
const TOP_KEPT = 100;

const ARGS = `
  c_id uuid[], c_at timestamptz[], c_contract uuid[], c_app uuid[], c_period timestamptz[],
  c_endpoint text[], c_user bigint[], c_tweets int[],
  h_contract uuid[], h_period timestamptz[], h_user bigint[], h_name text[],
  h_first timestamptz[], h_last timestamptz[], h_calls int[],
  p_contract uuid[], p_start timestamptz[], p_end timestamptz[], p_key text[], p_calls int[]`;

const ARG_TYPES = `uuid[], timestamptz[], uuid[], uuid[], timestamptz[], text[], bigint[], int[],
  uuid[], timestamptz[], bigint[], text[], timestamptz[], timestamptz[], int[],
  uuid[], timestamptz[], timestamptz[], text[], int[]`;

/**
 * 1764170000000-AddLedgerAggregates' version, with the handles' days: `batch` is the batch's
 * user-context calls with their local day's bit, `batch_days` each handle's first call of each day
 * in the batch; a day whose bit the handle did not have before (`prior`, same snapshot, read
 * through `moved` so that it stays one lookup by key) adds one to `active` at that call's slot.
 * The calls are logged only with `c_log`.
 */
const COUNT_CALLS_V3 = `
  CREATE FUNCTION ledger_count_calls(${ARGS}, c_log boolean) RETURNS TABLE (
    r_contract uuid, r_period timestamptz, r_user bigint, r_inserted boolean, r_was_confirmed boolean,
    r_attempted int, r_confirmed int, r_allowance int
  ) LANGUAGE plpgsql AS $fn$
  BEGIN
    -- Create missing counter rows and lock all of the batch's, in one order for every writer.
    INSERT INTO period_counters AS pc (contract_id, period_start, period_end, period_key)
    SELECT * FROM unnest(p_contract, p_start, p_end, p_key) ORDER BY 1, 2
    ON CONFLICT (contract_id, period_start) DO UPDATE SET calls = pc.calls;

    IF c_log THEN
      INSERT INTO calls (id, at, contract_id, app_id, period_start, endpoint, user_id, tweet_count)
      SELECT * FROM unnest(c_id, c_at, c_contract, c_app, c_period, c_endpoint, c_user, c_tweets);
    END IF;

    RETURN QUERY
    WITH batch AS (
      SELECT c.contract_id, c.period_start, c.user_id, c.app_id, c.at, ledger_day_bit(c.at, c.period_start, k.timezone) AS day_bit
        FROM unnest(c_contract, c_period, c_user, c_app, c_at) AS c (contract_id, period_start, user_id, app_id, at)
        JOIN contracts k ON k.id = c.contract_id
       WHERE c.user_id IS NOT NULL
    ), batch_apps AS (
      SELECT contract_id, period_start, user_id,
             (array_agg(app_id ORDER BY at))[1] AS first_app,
             coalesce(array_agg(DISTINCT app_id) FILTER (WHERE app_id IS NOT NULL), '{}') AS apps,
             bit_or(day_bit) AS days
        FROM batch GROUP BY 1, 2, 3
    ), batch_days AS (
      SELECT contract_id, period_start, user_id, day_bit, min(at) AS at, (array_agg(app_id ORDER BY at))[1] AS app_id
        FROM batch WHERE day_bit <> 0 GROUP BY 1, 2, 3, 4
    ), prior AS (
      SELECT ph.contract_id, ph.period_start, ph.user_id, ph.first_seen_at, ph.first_app_id, ph.apps, ph.days
        FROM period_handles ph
        JOIN unnest(h_contract, h_period, h_user) AS v (contract_id, period_start, user_id)
          ON ph.contract_id = v.contract_id AND ph.period_start = v.period_start AND ph.user_id = v.user_id
    ), seen AS (
      INSERT INTO period_handles AS ph (contract_id, period_start, user_id, screen_name, first_seen_at, last_seen_at, calls, first_app_id, apps, days)
      SELECT h.*, b.first_app, coalesce(b.apps, '{}'), coalesce(b.days, 0)
        FROM unnest(h_contract, h_period, h_user, h_name, h_first, h_last, h_calls)
             AS h (contract_id, period_start, user_id, screen_name, first_seen_at, last_seen_at, calls)
        LEFT JOIN batch_apps b ON b.contract_id = h.contract_id AND b.period_start = h.period_start AND b.user_id = h.user_id
       ORDER BY 1, 2, 3
      ON CONFLICT (contract_id, period_start, user_id) DO UPDATE SET
        first_seen_at = LEAST(ph.first_seen_at, EXCLUDED.first_seen_at),
        first_app_id  = CASE WHEN EXCLUDED.first_seen_at < ph.first_seen_at THEN EXCLUDED.first_app_id ELSE ph.first_app_id END,
        apps          = ledger_union(ph.apps, EXCLUDED.apps),
        days          = ph.days | EXCLUDED.days,
        last_seen_at  = GREATEST(ph.last_seen_at, EXCLUDED.last_seen_at),
        screen_name   = CASE WHEN EXCLUDED.last_seen_at >= ph.last_seen_at THEN coalesce(EXCLUDED.screen_name, ph.screen_name) ELSE ph.screen_name END,
        calls         = ph.calls + EXCLUDED.calls
      RETURNING ph.contract_id, ph.period_start, ph.user_id, ph.first_seen_at, ph.first_app_id, ph.apps, ph.calls, (xmax = 0) AS inserted,
                ph.confirmed_at IS NOT NULL AS was_confirmed
    ), moved AS (
      SELECT s.*, p.user_id IS NOT NULL AS existed, p.first_seen_at AS old_first, p.first_app_id AS old_app, coalesce(p.apps, '{}') AS old_apps,
             coalesce(p.days, 0) AS old_days
        FROM seen s LEFT JOIN prior p ON p.contract_id = s.contract_id AND p.period_start = s.period_start AND p.user_id = s.user_id
    ), deltas AS (
      -- where the handle is first seen now (+1) and where it was (-1), when that changed
      SELECT contract_id, period_start, ledger_slot(first_seen_at) AS slot, coalesce(first_app_id, ledger_no_app()) AS app_id,
             0::bigint AS calls, 1 AS first_seen, 0 AS handles, 0 AS active
        FROM moved WHERE NOT existed OR old_first <> first_seen_at OR old_app IS DISTINCT FROM first_app_id
      UNION ALL
      SELECT contract_id, period_start, ledger_slot(old_first), coalesce(old_app, ledger_no_app()), 0, -1, 0, 0
        FROM moved WHERE existed AND (old_first <> first_seen_at OR old_app IS DISTINCT FROM first_app_id)
      UNION ALL
      -- apps using the handle for the first time this period
      SELECT m.contract_id, m.period_start, ledger_slot(m.first_seen_at), a.app_id, 0, 0, 1, 0
        FROM moved m CROSS JOIN LATERAL unnest(m.apps) AS a (app_id)
       WHERE NOT (a.app_id = ANY (m.old_apps))
      UNION ALL
      -- local days on which the handle is called for the first time
      SELECT d.contract_id, d.period_start, ledger_slot(d.at), coalesce(d.app_id, ledger_no_app()), 0, 0, 0, 1
        FROM batch_days d
        JOIN moved m ON m.contract_id = d.contract_id AND m.period_start = d.period_start AND m.user_id = d.user_id
       WHERE m.old_days & d.day_bit = 0
      UNION ALL
      SELECT c.contract_id, c.period_start, ledger_slot(c.at), coalesce(c.app_id, ledger_no_app()), count(*), 0, 0, 0
        FROM unnest(c_contract, c_period, c_app, c_at) AS c (contract_id, period_start, app_id, at)
       GROUP BY 1, 2, 3, 4
    ), activity AS (
      INSERT INTO period_activity AS a (contract_id, period_start, slot, app_id, calls, first_seen, handles, active)
      SELECT contract_id, period_start, slot, app_id, sum(calls), sum(first_seen), sum(handles), sum(active)
        FROM deltas GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
      ON CONFLICT (contract_id, period_start, slot, app_id) DO UPDATE SET
        calls = a.calls + EXCLUDED.calls, first_seen = a.first_seen + EXCLUDED.first_seen, handles = a.handles + EXCLUDED.handles,
        active = a.active + EXCLUDED.active
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
    SELECT s.contract_id, s.period_start, s.user_id, s.inserted, s.was_confirmed,
           c.attempted_handles, c.confirmed_handles, k.handle_allowance
      FROM seen s
      JOIN counted c ON c.contract_id = s.contract_id AND c.period_start = s.period_start
      JOIN contracts k ON k.id = s.contract_id;
  END
  $fn$`;

/**
 * One period's days and `active` computed afresh from its call log (under the period's counter
 * lock, like every writer): for the open periods that existed before this migration, and from
 * ledger_rebuild_aggregates.
 */
const REBUILD_ACTIVE_DAYS = `
  CREATE FUNCTION ledger_rebuild_active_days(p_contract uuid, p_period timestamptz) RETURNS void LANGUAGE plpgsql
  -- A period written in bulk may not be analyzed yet: estimated at one row, its handle set was
  -- joined to its call log in a nested loop (16 s for 20,000 handles); hashed, it takes 0.1 s.
  SET enable_nestloop = off AS $fn$
  DECLARE
    tz text := (SELECT timezone FROM contracts WHERE id = p_contract);
    p_end timestamptz;
  BEGIN
    SELECT period_end INTO p_end FROM period_counters WHERE contract_id = p_contract AND period_start = p_period FOR UPDATE;
    UPDATE period_activity SET active = 0 WHERE contract_id = p_contract AND period_start = p_period AND active <> 0;
    UPDATE period_handles SET days = 0 WHERE contract_id = p_contract AND period_start = p_period AND days <> 0;
    WITH days AS (
      SELECT user_id, ledger_day_bit(at, p_period, tz) AS day_bit, min(at) AS at, (array_agg(app_id ORDER BY at))[1] AS app_id
        FROM calls
       WHERE contract_id = p_contract AND at >= p_period AND at < p_end AND period_start = p_period AND user_id IS NOT NULL
       GROUP BY 1, 2
    ), masks AS (
      UPDATE period_handles ph SET days = m.days
        FROM (SELECT user_id, bit_or(day_bit) AS days FROM days GROUP BY 1) m
       WHERE ph.contract_id = p_contract AND ph.period_start = p_period AND ph.user_id = m.user_id
    )
    INSERT INTO period_activity AS a (contract_id, period_start, slot, app_id, active)
    SELECT p_contract, p_period, ledger_slot(at), coalesce(app_id, ledger_no_app()), count(*)
      FROM days WHERE day_bit <> 0 GROUP BY 3, 4
    ON CONFLICT (contract_id, period_start, slot, app_id) DO UPDATE SET active = a.active + EXCLUDED.active;
  END
  $fn$`;
