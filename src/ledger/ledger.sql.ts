import type { PendingCall } from './ledger.types';

/**
 * The ledger's statements. Every batch locks its (contract, period) counter rows first, in sorted
 * order, before touching any handle row: one lock order for every writer means no deadlocks, and
 * a locked counter makes the "is there room for a new handle" decision exact under concurrency.
 */

/**
 * Creates missing counter rows and locks all of the batch's; returns the counts and allowance
 * under the lock. The one counter-row upsert in src/ (the close locks a period's row with it too).
 */
export const LOCK_COUNTERS = `
  INSERT INTO period_counters AS pc (contract_id, period_start, period_end, period_key)
  SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::text[]) ORDER BY 1, 2
  ON CONFLICT (contract_id, period_start) DO UPDATE SET calls = pc.calls
  RETURNING contract_id, period_start, attempted_handles, confirmed_handles, calls::text AS calls,
            (SELECT handle_allowance FROM contracts c WHERE c.id = pc.contract_id) AS allowance`;

export const EXISTING_HANDLES = `
  SELECT contract_id, period_start, user_id::text AS user_id FROM period_handles
  WHERE (contract_id, period_start, user_id) IN (SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[]))`;

/**
 * Logs calls ($1..$8, when $21), adds them to their periods' handle sets ($9..$15) and counters
 * ($16..$20), and keeps the aggregates (calls per slot, the handles' days), under the counter
 * locks: the function ledger_count_calls (its current text: migrations/schema.sql, the schema
 * snapshot; migrations/*.ts hold its history), so that this is one statement. Returns one row per
 * handle: inserted or not, the period's counts after, the allowance. Its arguments come from one
 * CountingBatch, through countCallsValues below.
 */
export const COUNT_CALLS = `
  SELECT * FROM ledger_count_calls($1::uuid[], $2::timestamptz[], $3::uuid[], $4::uuid[], $5::timestamptz[], $6::text[], $7::bigint[], $8::int[],
                            $9::uuid[], $10::timestamptz[], $11::bigint[], $12::text[], $13::timestamptz[], $14::timestamptz[], $15::int[],
                            $16::uuid[], $17::timestamptz[], $18::timestamptz[], $19::text[], $20::int[], $21::boolean)`;

/** One batch of ledger_count_calls, as rows: built in one place (countingBatch), mapped to its arguments in one other (countCallsValues). */
export interface CountingBatch {
  /** The calls, logged when `log` (an import logs its own first). */
  calls: PendingCall[];
  /** One row per handle per period: ON CONFLICT cannot touch a row twice in one statement, so a batch's repeats are summed. */
  handles: BatchHandle[];
  /** One row per period, with its calls. */
  periods: BatchPeriod[];
  log: boolean;
}

export interface BatchHandle {
  contractId: string;
  /** ISO instant: the key of the period the handle is counted in. */
  periodStart: string;
  userId: string;
  /** The screen name of the handle's latest call in the batch. */
  screenName: string | null;
  firstAt: Date;
  lastAt: Date;
  calls: number;
}

export interface BatchPeriod {
  contractId: string;
  period: PendingCall['period'];
  calls: number;
}

/** COUNT_CALLS' positional arguments, $1 to $21 in order. */
export function countCallsValues(b: CountingBatch): unknown[] {
  const { calls, handles, periods } = b;
  return [
    calls.map((c) => c.id),
    calls.map((c) => c.at.toISOString()),
    calls.map((c) => c.contractId),
    calls.map((c) => c.appId),
    calls.map((c) => c.period.start.toISOString()),
    calls.map((c) => c.endpoint),
    calls.map((c) => c.userId),
    calls.map((c) => c.tweetCount),
    handles.map((h) => h.contractId),
    handles.map((h) => h.periodStart),
    handles.map((h) => h.userId),
    handles.map((h) => h.screenName),
    handles.map((h) => h.firstAt.toISOString()),
    handles.map((h) => h.lastAt.toISOString()),
    handles.map((h) => h.calls),
    periods.map((p) => p.contractId),
    periods.map((p) => p.period.start.toISOString()),
    periods.map((p) => p.period.end.toISOString()),
    periods.map((p) => p.period.key),
    periods.map((p) => p.calls),
    b.log,
  ];
}

/**
 * Imported calls are logged once per external id (imported_calls: the partitioned call log cannot
 * hold a unique key without `at`); RETURNING names the ones that were new.
 */
export const LOG_IMPORTED_CALLS = `
  WITH v AS (
    SELECT * FROM unnest($2::uuid[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::bigint[], $7::text[], $8::smallint[])
      AS v (id, at, period_start, endpoint, user_id, external_id, status)
  ), fresh AS (
    INSERT INTO imported_calls (contract_id, external_id) SELECT $1, external_id FROM v ORDER BY 2
    ON CONFLICT (contract_id, external_id) DO NOTHING
    RETURNING external_id
  )
  INSERT INTO calls (id, at, contract_id, period_start, endpoint, user_id, tweet_count, source, external_id, outcome, status)
  SELECT v.id, v.at, $1, v.period_start, v.endpoint, v.user_id, 0, 'import', v.external_id, 'answered', v.status
    FROM v JOIN fresh ON fresh.external_id = v.external_id
  RETURNING external_id`;

/**
 * The start of an import slice: its lock on the contract (the class DatabaseLock.UsageImport,
 * keyed by the contract, $1 and $2), held until the slice's transaction ends, and whether its
 * commit waits for the WAL flush ($3, synchronous_commit for this transaction only).
 */
export const BEGIN_IMPORT_SLICE = `
  SELECT pg_advisory_xact_lock($1::int, hashtext($2::text)), set_config('synchronous_commit', $3::text, true)`;

/** The months (first days, UTC) the call log needs a partition for, created when missing. */
export const ENSURE_CALL_PARTITIONS = `SELECT call_log_ensure_partition(m) FROM unnest($1::date[]) AS m`;

export const LOCK_COUNTERS_FOR_OUTCOMES = `
  SELECT 1 FROM period_counters
  WHERE (contract_id, period_start) IN (SELECT * FROM unnest($1::uuid[], $2::timestamptz[]))
  ORDER BY contract_id, period_start FOR UPDATE`;

/**
 * The calls' answers ($1..$6, and $11 the calls' `at`: the call log's partition key) and each
 * app's latest rate limit ($7..$10), in one statement. $12, the batch's earliest `at`, lets the
 * planner leave out (and not lock) every older month: see monthsFrom.
 */
export const WRITE_OUTCOMES_AND_RATE_LIMITS = `
  WITH answered AS (
    UPDATE calls c SET outcome = v.outcome, status = v.status, latency_ms = v.latency_ms,
                       rate_limit_limit = v.rl_limit, rate_limit_remaining = v.rl_remaining
      FROM unnest($1::uuid[], $2::text[], $3::smallint[], $4::int[], $5::int[], $6::int[], $11::timestamptz[])
           AS v (id, outcome, status, latency_ms, rl_limit, rl_remaining, at)
     WHERE c.id = v.id AND c.at = v.at AND c.at >= $12::timestamptz
  )
  INSERT INTO app_rate_limits AS r (app_id, per_minute_limit, per_minute_remaining, seen_at)
  SELECT * FROM unnest($7::uuid[], $8::int[], $9::int[], $10::timestamptz[]) ORDER BY 1
  ON CONFLICT (app_id) DO UPDATE SET per_minute_limit = EXCLUDED.per_minute_limit,
    per_minute_remaining = EXCLUDED.per_minute_remaining, seen_at = EXCLUDED.seen_at
  WHERE r.seen_at <= EXCLUDED.seen_at`;

/** First 2xx for a handle in the period: it now counts under countPolicy `confirmed` too, for the app whose call it was. */
export const CONFIRM_HANDLES = `
  WITH confirmed AS (
    UPDATE period_handles ph SET confirmed_at = v.at, confirmed_app_id = v.app_id
      FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::timestamptz[], $5::uuid[]) AS v (contract_id, period_start, user_id, at, app_id)
     WHERE ph.contract_id = v.contract_id AND ph.period_start = v.period_start AND ph.user_id = v.user_id
       AND ph.confirmed_at IS NULL
    RETURNING ph.contract_id, ph.period_start, ph.confirmed_at, ph.confirmed_app_id
  ), activity AS (
    INSERT INTO period_activity AS a (contract_id, period_start, slot, app_id, confirmed)
    SELECT contract_id, period_start, ledger_slot(confirmed_at), coalesce(confirmed_app_id, ledger_no_app()), count(*)
      FROM confirmed GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (contract_id, period_start, slot, app_id) DO UPDATE SET confirmed = a.confirmed + EXCLUDED.confirmed
  ), n AS (SELECT contract_id, period_start, count(*)::int AS n FROM confirmed GROUP BY 1, 2)
  UPDATE period_counters pc SET confirmed_handles = pc.confirmed_handles + n.n
    FROM n WHERE pc.contract_id = n.contract_id AND pc.period_start = n.period_start`;

/**
 * Write-aheads refused with 503 after their commit's answer was lost: removed from the log and
 * the period's call count; returns, per period and handle (user_id null for app-only calls),
 * how many went, for the handle set to be uncounted.
 */
export const FORGET_CALLS = `
  WITH gone AS (
    DELETE FROM calls WHERE id = ANY($1::uuid[]) AND at >= $2::timestamptz AND outcome = 'sent' AND source = 'gateway'
    RETURNING contract_id, period_start, user_id, at, app_id
  ), activity AS (
    UPDATE period_activity a SET calls = a.calls - g.n
      FROM (SELECT contract_id, period_start, ledger_slot(at) AS slot, coalesce(app_id, ledger_no_app()) AS app_id, count(*) AS n FROM gone GROUP BY 1, 2, 3, 4) g
     WHERE a.contract_id = g.contract_id AND a.period_start = g.period_start AND a.slot = g.slot AND a.app_id = g.app_id
  ), per_period AS (
    SELECT contract_id, period_start, count(*)::int AS n FROM gone GROUP BY 1, 2
  ), uncounted AS (
    UPDATE period_counters pc SET calls = pc.calls - p.n
      FROM per_period p WHERE pc.contract_id = p.contract_id AND pc.period_start = p.period_start
  )
  SELECT contract_id, period_start, user_id::text AS user_id, count(*)::int AS n FROM gone GROUP BY 1, 2, 3`;

/** $2: the calls' earliest `at` (see monthsFrom). */
export const STILL_SENT = `SELECT id::text AS id FROM calls WHERE id = ANY($1::uuid[]) AND at >= $2::timestamptz AND outcome = 'sent' FOR UPDATE`;

/**
 * How the gateway's statements on the call log name the months they touch. A statement that finds
 * calls by ID alone locks every month of the log, and a month being dropped past retention is held
 * exclusively by the second step of its DETACH ... CONCURRENTLY: such a statement would wait for
 * it, and every call behind that statement. With a lower bound on `at` given as a parameter of an
 * unnamed statement (planned with its values), the planner prunes the older months and never
 * locks them. Named (prepared) statements may run a generic plan, which locks every month before
 * pruning, so these statements are sent unnamed.
 */
export function monthsFrom(ats: Date[]): string {
  if (!ats.length) throw new Error('monthsFrom: no calls');
  let earliest = ats[0].getTime();
  for (const a of ats) earliest = Math.min(earliest, a.getTime());
  return new Date(earliest).toISOString();
}

/** Our own server processes only: a pid that is not one of this database's handlemeter sessions is left alone. */
export const END_BACKENDS = `
  SELECT pg_terminate_backend(pid) FROM pg_stat_activity
   WHERE pid = ANY($1::int[]) AND datname = current_database() AND usename = current_user AND pid <> pg_backend_pid()`;

export const BACKENDS_ALIVE = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1::int[]) AND pid <> pg_backend_pid()`;

/** X was never reached: these calls cannot be billed, so they stop counting towards their handle. */
export const UNCOUNT_UNSENT = `
  WITH v AS (SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::int[]) AS v (contract_id, period_start, user_id, n)),
  top AS (
    UPDATE period_top_handles t SET calls = t.calls - v.n
      FROM v WHERE t.contract_id = v.contract_id AND t.period_start = v.period_start AND t.user_id = v.user_id
  )
  UPDATE period_handles ph SET calls = ph.calls - v.n
    FROM v WHERE ph.contract_id = v.contract_id AND ph.period_start = v.period_start AND ph.user_id = v.user_id`;

/** A handle whose every call failed to reach X leaves the period's set (a separate statement: one statement cannot update and then delete a row). */
export const DROP_UNSENT_HANDLES = `
  WITH dropped AS (
    DELETE FROM period_handles ph
     USING unnest($1::uuid[], $2::timestamptz[], $3::bigint[]) AS v (contract_id, period_start, user_id)
     WHERE ph.contract_id = v.contract_id AND ph.period_start = v.period_start AND ph.user_id = v.user_id
       AND ph.calls <= 0 AND ph.confirmed_at IS NULL
    RETURNING ph.contract_id, ph.period_start, ph.user_id, ph.first_seen_at, ph.first_app_id, ph.apps
  ), top AS (
    DELETE FROM period_top_handles t USING dropped d
     WHERE t.contract_id = d.contract_id AND t.period_start = d.period_start AND t.user_id = d.user_id
  ), deltas AS (
    SELECT contract_id, period_start, ledger_slot(first_seen_at) AS slot, coalesce(first_app_id, ledger_no_app()) AS app_id, 1 AS first_seen, 0 AS handles FROM dropped
    UNION ALL
    SELECT d.contract_id, d.period_start, ledger_slot(d.first_seen_at), a.app_id, 0, 1 FROM dropped d CROSS JOIN LATERAL unnest(d.apps) AS a (app_id)
  ), activity AS (
    UPDATE period_activity a SET first_seen = a.first_seen - g.first_seen, handles = a.handles - g.handles
      FROM (SELECT contract_id, period_start, slot, app_id, sum(first_seen)::int AS first_seen, sum(handles)::int AS handles FROM deltas GROUP BY 1, 2, 3, 4) g
     WHERE a.contract_id = g.contract_id AND a.period_start = g.period_start AND a.slot = g.slot AND a.app_id = g.app_id
  ), n AS (SELECT contract_id, period_start, count(*)::int AS n FROM dropped GROUP BY 1, 2)
  UPDATE period_counters pc SET attempted_handles = pc.attempted_handles - n.n
    FROM n WHERE pc.contract_id = n.contract_id AND pc.period_start = n.period_start`;

/**
 * Handles of open periods, under countPolicy `confirmed`, whose gateway calls went to X between
 * $2 and $1 ago and never got an outcome written (a crash, or a service stopped while the write
 * was still retried), and that are not confirmed yet. Their answer is unknown and X may have
 * billed them. `app_id`: the earliest such call's app, the one the confirmation is counted for
 * (period_activity); `ids`: the calls, to be looked at again under lock (STILL_SENT). Read by
 * time range (calls_contract_at): $2 bounds the months scanned, an instant rather than
 * now() - interval so that the planner prunes (and does not lock) the older months.
 */
export const UNSETTLED_CONFIRMATIONS = `
  SELECT c.contract_id, c.period_start, c.user_id, min(c.at) AS at, (array_agg(c.app_id ORDER BY c.at))[1] AS app_id,
         array_agg(c.id::text) AS ids
    FROM contracts k JOIN calls c ON c.contract_id = k.id
    JOIN period_handles ph ON ph.contract_id = c.contract_id AND ph.period_start = c.period_start AND ph.user_id = c.user_id
   WHERE k.count_policy = 'confirmed' AND c.outcome = 'sent' AND c.source = 'gateway' AND c.user_id IS NOT NULL
     AND c.at >= $2::timestamptz AND c.at < $1::timestamptz AND ph.confirmed_at IS NULL
     AND NOT EXISTS (SELECT 1 FROM statements s WHERE s.contract_id = c.contract_id AND s.period_start = c.period_start)
   GROUP BY 1, 2, 3`;
