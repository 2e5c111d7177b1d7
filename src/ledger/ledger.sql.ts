/**
 * The ledger's statements. Every batch locks its (contract, period) counter rows first, in sorted
 * order, before touching any handle row: one lock order for every writer means no deadlocks, and
 * a locked counter makes the "is there room for a new handle" decision exact under concurrency.
 */

/** Creates missing counter rows and locks all of the batch's; returns the count and allowance under the lock. */
export const LOCK_COUNTERS = `
  INSERT INTO period_counters AS pc (contract_id, period_start, period_end, period_key)
  SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::text[]) ORDER BY 1, 2
  ON CONFLICT (contract_id, period_start) DO UPDATE SET calls = pc.calls
  RETURNING contract_id, period_start, attempted_handles,
            (SELECT handle_allowance FROM contracts c WHERE c.id = pc.contract_id) AS allowance`;

export const EXISTING_HANDLES = `
  SELECT contract_id, period_start, user_id::text AS user_id FROM period_handles
  WHERE (contract_id, period_start, user_id) IN (SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[]))`;

/**
 * Logs calls ($1..$8, possibly none), adds them to their periods' handle sets ($9..$15) and
 * counters ($16..$20), under the counter locks: the function ledger_count_calls, defined in
 * migrations/1764100000000-ReturnMeteringFromLedgerCountCalls.ts, so that this is one
 * statement. Returns one row per handle: inserted or not, the period's counts after, the allowance.
 */
export const COUNT_CALLS = `
  SELECT * FROM ledger_count_calls($1::uuid[], $2::timestamptz[], $3::uuid[], $4::uuid[], $5::timestamptz[], $6::text[], $7::bigint[], $8::int[],
                            $9::uuid[], $10::timestamptz[], $11::bigint[], $12::text[], $13::timestamptz[], $14::timestamptz[], $15::int[],
                            $16::uuid[], $17::timestamptz[], $18::timestamptz[], $19::text[], $20::int[])`;

/** Imported calls are logged once per external id; RETURNING names the ones that were new. */
export const LOG_IMPORTED_CALLS = `
  INSERT INTO calls (id, at, contract_id, period_start, endpoint, user_id, tweet_count, source, external_id, outcome, status)
  SELECT id, at, $1, period_start, endpoint, user_id, 0, 'import', external_id, 'answered', status
    FROM unnest($2::uuid[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::bigint[], $7::text[], $8::smallint[])
      AS v (id, at, period_start, endpoint, user_id, external_id, status)
  ON CONFLICT (contract_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
  RETURNING external_id`;

export const LOCK_COUNTERS_FOR_OUTCOMES = `
  SELECT 1 FROM period_counters
  WHERE (contract_id, period_start) IN (SELECT * FROM unnest($1::uuid[], $2::timestamptz[]))
  ORDER BY contract_id, period_start FOR UPDATE`;

/** The calls' answers ($1..$6) and each app's latest rate limit ($7..$10), in one statement. */
export const WRITE_OUTCOMES_AND_RATE_LIMITS = `
  WITH answered AS (
    UPDATE calls c SET outcome = v.outcome, status = v.status, latency_ms = v.latency_ms,
                       rate_limit_limit = v.rl_limit, rate_limit_remaining = v.rl_remaining
      FROM unnest($1::uuid[], $2::text[], $3::smallint[], $4::int[], $5::int[], $6::int[])
           AS v (id, outcome, status, latency_ms, rl_limit, rl_remaining)
     WHERE c.id = v.id
  )
  INSERT INTO app_rate_limits AS r (app_id, per_minute_limit, per_minute_remaining, seen_at)
  SELECT * FROM unnest($7::uuid[], $8::int[], $9::int[], $10::timestamptz[]) ORDER BY 1
  ON CONFLICT (app_id) DO UPDATE SET per_minute_limit = EXCLUDED.per_minute_limit,
    per_minute_remaining = EXCLUDED.per_minute_remaining, seen_at = EXCLUDED.seen_at
  WHERE r.seen_at <= EXCLUDED.seen_at`;

/** First 2xx for a handle in the period: it now counts under countPolicy `confirmed` too. */
export const CONFIRM_HANDLES = `
  WITH confirmed AS (
    UPDATE period_handles ph SET confirmed_at = v.at
      FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::timestamptz[]) AS v (contract_id, period_start, user_id, at)
     WHERE ph.contract_id = v.contract_id AND ph.period_start = v.period_start AND ph.user_id = v.user_id
       AND ph.confirmed_at IS NULL
    RETURNING ph.contract_id, ph.period_start
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
    DELETE FROM calls WHERE id = ANY($1::uuid[]) AND outcome = 'sent' AND source = 'gateway'
    RETURNING contract_id, period_start, user_id
  ), per_period AS (
    SELECT contract_id, period_start, count(*)::int AS n FROM gone GROUP BY 1, 2
  ), uncounted AS (
    UPDATE period_counters pc SET calls = pc.calls - p.n
      FROM per_period p WHERE pc.contract_id = p.contract_id AND pc.period_start = p.period_start
  )
  SELECT contract_id, period_start, user_id::text AS user_id, count(*)::int AS n FROM gone GROUP BY 1, 2, 3`;

export const STILL_SENT = `SELECT id::text AS id FROM calls WHERE id = ANY($1::uuid[]) AND outcome = 'sent' FOR UPDATE`;

/** Our own server processes only: a pid that is not one of this database's handlemeter sessions is left alone. */
export const END_BACKENDS = `
  SELECT pg_terminate_backend(pid) FROM pg_stat_activity
   WHERE pid = ANY($1::int[]) AND datname = current_database() AND usename = current_user AND pid <> pg_backend_pid()`;

export const BACKENDS_ALIVE = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1::int[]) AND pid <> pg_backend_pid()`;

/** X was never reached: these calls cannot be billed, so they stop counting towards their handle. */
export const UNCOUNT_UNSENT = `
  UPDATE period_handles ph SET calls = ph.calls - v.n
    FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::int[]) AS v (contract_id, period_start, user_id, n)
   WHERE ph.contract_id = v.contract_id AND ph.period_start = v.period_start AND ph.user_id = v.user_id`;

/** A handle whose every call failed to reach X leaves the period's set (a separate statement: one statement cannot update and then delete a row). */
export const DROP_UNSENT_HANDLES = `
  WITH dropped AS (
    DELETE FROM period_handles ph
     USING unnest($1::uuid[], $2::timestamptz[], $3::bigint[]) AS v (contract_id, period_start, user_id)
     WHERE ph.contract_id = v.contract_id AND ph.period_start = v.period_start AND ph.user_id = v.user_id
       AND ph.calls <= 0 AND ph.confirmed_at IS NULL
    RETURNING ph.contract_id, ph.period_start
  ), n AS (SELECT contract_id, period_start, count(*)::int AS n FROM dropped GROUP BY 1, 2)
  UPDATE period_counters pc SET attempted_handles = pc.attempted_handles - n.n
    FROM n WHERE pc.contract_id = n.contract_id AND pc.period_start = n.period_start`;

/**
 * Handles of open periods, under countPolicy `confirmed`, whose gateway calls went to X at least
 * $1 ago and never got an outcome written (a crash, or an outcome write that gave up), and that
 * are not confirmed yet. Their answer is unknown and X may have billed them.
 */
export const UNSETTLED_CONFIRMATIONS = `
  SELECT c.contract_id, c.period_start, c.user_id, min(c.at) AS at
    FROM contracts k JOIN calls c ON c.contract_id = k.id
    JOIN period_handles ph ON ph.contract_id = c.contract_id AND ph.period_start = c.period_start AND ph.user_id = c.user_id
   WHERE k.count_policy = 'confirmed' AND c.outcome = 'sent' AND c.source = 'gateway' AND c.user_id IS NOT NULL
     AND c.at >= now() - interval '35 days' AND c.at < now() - $1::interval AND ph.confirmed_at IS NULL
     AND NOT EXISTS (SELECT 1 FROM statements s WHERE s.contract_id = c.contract_id AND s.period_start = c.period_start)
   GROUP BY 1, 2, 3`;
