/**
 * The SQL seed of the read-side benchmark (test/bench/scale.bench.ts): a period's handle set, its
 * call log and its counter row, generated inside PostgreSQL with one set-based INSERT ... SELECT
 * per table (generate_series; no row crosses the wire).
 *
 * The data are shaped for the queries being timed:
 * - first_seen_at follows a decaying curve over the period's days (a core of handles in the first
 *   days, then a tail), so the projection has a curve to fit; rows are stored in first-seen order,
 *   as the gateway inserts them, and user IDs are unrelated to it (X's IDs date the account, not
 *   its first call);
 * - calls per handle have a heavy tail (the top 1% of handles make about a fifth of the calls),
 *   spread over several apps, with 2% of the period's calls app-only (logged, never a handle);
 * - 97% of handles were confirmed (their first call answered 200); the rest only ever got 429s;
 * - timestamps are whole milliseconds, as the service writes them (from JavaScript Dates).
 *
 * The call counts are exact by construction: a handle of rank r gets
 * 1 + floor(E·G(r)) − floor(E·G(r−1)) calls with G(r) = (r/H)^0.35, which telescopes to exactly
 * H + E. The bench checks every figure afterwards anyway.
 */
import { Client } from 'pg';

export interface SeedPeriod {
  label: string;
  contractId: string;
  appIds: string[];
  start: Date;
  end: Date;
  key: string;
  /** Calls happen before this instant: the period's end, or now for the open period. */
  upTo: Date;
  handles: number;
  /** every call of the period, app-only ones included */
  calls: number;
  /** user IDs are userIdBase + 1 .. userIdBase + handles */
  userIdBase: bigint;
  /** filled in from the rows once seeded */
  confirmed?: number;
}

export interface SeededFigures {
  attempted: number;
  confirmed: number;
  calls: number;
  userContextCalls: number;
}

/** Share of a period's calls made app-only. */
const APP_ONLY_SHARE = 0.02;
/** Exponent of G above: the smaller, the heavier the head. */
const CALLS_SKEW = 0.35;
/** Rate of the first-seen curve's decay over the period (share of handles by time t: (1 − e^(−k·t)) / (1 − e^(−k))). */
const FIRST_SEEN_DECAY = 3;
/** A prime: rank = row number × PERMUTE mod H is a permutation of 1..H unless H is a multiple of it. */
const PERMUTE = 1_000_003;

export function userContextCalls(p: SeedPeriod): number {
  return p.calls - Math.round(p.calls * APP_ONLY_SHARE);
}

/** The period's handle set: `handles` rows, first seen along the curve, their calls summing to the user-context calls. */
export async function seedHandles(db: Client, p: SeedPeriod): Promise<void> {
  const extra = userContextCalls(p) - p.handles;
  if (extra < 0)
    throw new Error(
      `${p.label}: ${p.calls} calls cannot cover ${p.handles} handles (each handle needs one user-context call)`,
    );
  if (p.handles % PERMUTE === 0) throw new Error(`${p.label}: handles must not be a multiple of ${PERMUTE}`);
  await db.query(
    `WITH p AS (
       SELECT $2::timestamptz AS ps, $3::timestamptz AS pe, $4::timestamptz AS up, $5::bigint AS h, $7::float8 AS extra,
              extract(epoch FROM $4::timestamptz - $2::timestamptz) / extract(epoch FROM $3::timestamptz - $2::timestamptz) AS share
     ), g AS (
       SELECT i,
              (hashint8(i)::float8 + 2147483648) / 4294967296 AS u,
              ((i - 1) * $8::bigint) % p.h + 1 AS r,
              (hashint8(i + 4000000000)::bigint + 2147483648) % 100 AS c
         FROM p, generate_series(1::bigint, p.h) AS i
     ), h AS (
       SELECT g.i, g.c,
              date_trunc('milliseconds', least(p.ps + (p.pe - p.ps) * (-ln(1 - g.u * (1 - exp(-$9::float8 * p.share))) / $9::float8), p.up - interval '2 seconds')) AS first_seen,
              (1 + floor(p.extra * power(g.r::float8 / p.h, $10::float8)) - floor(p.extra * power((g.r - 1)::float8 / p.h, $10::float8)))::int AS n
         FROM g, p
     )
     INSERT INTO period_handles (contract_id, period_start, user_id, screen_name, first_seen_at, last_seen_at, calls, confirmed_at,
                                 first_app_id, confirmed_app_id, apps)
     SELECT $1, p.ps, $6::bigint + h.i, 'h' || ($6::bigint + h.i),
            h.first_seen,
            date_trunc('milliseconds', h.first_seen + (p.up - interval '1 second' - h.first_seen) * (1 - 1 / sqrt(h.n))),
            h.n,
            CASE WHEN h.c < 97 THEN h.first_seen + interval '250 milliseconds' END,
            -- every call of a handle is made through one app (seedCalls: the same expression)
            ($11::uuid[])[(1 + ($6::bigint + h.i) % cardinality($11::uuid[]))::int],
            CASE WHEN h.c < 97 THEN ($11::uuid[])[(1 + ($6::bigint + h.i) % cardinality($11::uuid[]))::int] END,
            ARRAY[($11::uuid[])[(1 + ($6::bigint + h.i) % cardinality($11::uuid[]))::int]]
       FROM h, p
      ORDER BY h.first_seen, h.i`,
    [
      p.contractId,
      p.start,
      p.end,
      p.upTo,
      p.handles,
      p.userIdBase.toString(),
      extra,
      PERMUTE,
      FIRST_SEEN_DECAY,
      CALLS_SKEW,
      p.appIds,
    ],
  );
}

/**
 * The call log: each handle's calls spread evenly from its first to its last sighting (the first
 * answered 200 when the handle was confirmed, every 40th later one a 429), then the app-only calls
 * spread over the period.
 */
export async function seedCalls(db: Client, p: SeedPeriod): Promise<void> {
  await db.query(
    `INSERT INTO calls (id, at, contract_id, app_id, period_start, endpoint, user_id, tweet_count, source, outcome, status,
                        latency_ms, rate_limit_limit, rate_limit_remaining)
     SELECT gen_random_uuid(),
            CASE WHEN ph.calls = 1 THEN ph.first_seen_at
                 ELSE date_trunc('milliseconds', ph.first_seen_at + (ph.last_seen_at - ph.first_seen_at) * ((k - 1)::float8 / (ph.calls - 1))) END,
            $1, ($3::uuid[])[(1 + ph.user_id % cardinality($3::uuid[]))::int], ph.period_start,
            (ARRAY['totals', '28hr', 'historical'])[1 + k % 3], ph.user_id, 1 + k % 25, 'gateway', 'answered',
            CASE WHEN ph.confirmed_at IS NULL OR (k > 1 AND k % 40 = 0) THEN 429 ELSE 200 END,
            40 + k % 200, 100000, 100000 - k % 100000
       FROM period_handles ph CROSS JOIN LATERAL generate_series(1, ph.calls) AS k
      WHERE ph.contract_id = $1 AND ph.period_start = $2`,
    [p.contractId, p.start, p.appIds],
  );
  const appOnly = p.calls - userContextCalls(p);
  if (appOnly === 0) return;
  await db.query(
    `INSERT INTO calls (id, at, contract_id, app_id, period_start, endpoint, user_id, tweet_count, source, outcome, status,
                        latency_ms, rate_limit_limit, rate_limit_remaining)
     SELECT gen_random_uuid(), date_trunc('milliseconds', $2::timestamptz + ($4::timestamptz - $2::timestamptz) * (j::float8 / ($5 + 1))),
            $1, ($3::uuid[])[1 + j % cardinality($3::uuid[])], $2, 'totals', NULL, 1 + j % 250, 'gateway', 'answered', 200,
            30 + j % 100, 100000, 100000 - j % 100000
       FROM generate_series(1, $5::int) AS j`,
    [p.contractId, p.start, p.appIds, p.upTo, appOnly],
  );
}

/**
 * The ledger's aggregates of the seeded period (what ledger_count_calls would have kept while
 * writing these rows): per 15-minute slot and app, the calls, handles first seen and first
 * confirmed, and the handles each app used; and the top handles. For the open period (the one
 * projected) also the handles' local days, from its call log.
 */
export async function seedAggregates(db: Client, p: SeedPeriod): Promise<void> {
  await db.query(
    `INSERT INTO period_activity (contract_id, period_start, slot, app_id, calls, first_seen, confirmed, handles)
     SELECT $1, $2, slot, app_id, sum(calls), sum(first_seen), sum(confirmed), sum(handles) FROM (
       SELECT ledger_slot(at) AS slot, coalesce(app_id, ledger_no_app()) AS app_id, count(*) AS calls, 0 AS first_seen, 0 AS confirmed, 0 AS handles
         FROM calls WHERE contract_id = $1 AND at >= $2 AND at < $3 GROUP BY 1, 2
       UNION ALL
       SELECT ledger_slot(first_seen_at), first_app_id, 0, count(*), 0, count(*)
         FROM period_handles WHERE contract_id = $1 AND period_start = $2 GROUP BY 1, 2
       UNION ALL
       SELECT ledger_slot(confirmed_at), confirmed_app_id, 0, 0, count(*), 0
         FROM period_handles WHERE contract_id = $1 AND period_start = $2 AND confirmed_at IS NOT NULL GROUP BY 1, 2
     ) x GROUP BY 1, 2, 3, 4`,
    [p.contractId, p.start, p.end],
  );
  await db.query(
    `INSERT INTO period_top_handles (contract_id, period_start, user_id, calls)
     SELECT contract_id, period_start, user_id, calls FROM period_handles WHERE contract_id = $1 AND period_start = $2 ORDER BY calls DESC, user_id LIMIT 100`,
    [p.contractId, p.start],
  );
  if (p.upTo < p.end) await db.query('SELECT ledger_rebuild_active_days($1, $2)', [p.contractId, p.start]);
}

/** The call log's monthly partitions for the months from `from` to now. */
export async function seedPartitions(db: Client, from: Date): Promise<void> {
  await db.query(
    `SELECT call_log_ensure_partition(m::date) FROM generate_series(date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC'), now() AT TIME ZONE 'UTC', interval '1 month') AS m`,
    [from],
  );
}

/** The counter row the ledger keeps beside the set, from what was seeded. */
export async function seedCounters(db: Client, p: SeedPeriod): Promise<void> {
  await db.query(
    `INSERT INTO period_counters (contract_id, period_start, period_end, period_key, attempted_handles, confirmed_handles, calls)
     SELECT $1, $2, $3, $4, count(*), count(confirmed_at), $5::bigint
       FROM period_handles WHERE contract_id = $1 AND period_start = $2`,
    [p.contractId, p.start, p.end, p.key, p.calls],
  );
}

/** What the database now holds for the period, counted from the rows (not from the counter). */
export async function countSeeded(
  db: Client,
  p: SeedPeriod,
): Promise<{ handles: SeededFigures; counter: SeededFigures }> {
  const [ph] = (
    await db.query(
      `SELECT count(*)::int AS attempted, count(confirmed_at)::int AS confirmed, coalesce(sum(calls), 0)::text AS calls
       FROM period_handles WHERE contract_id = $1 AND period_start = $2`,
      [p.contractId, p.start],
    )
  ).rows;
  const [c] = (
    await db.query(
      `SELECT count(*)::text AS calls, count(user_id)::text AS user_context FROM calls WHERE contract_id = $1 AND period_start = $2`,
      [p.contractId, p.start],
    )
  ).rows;
  const [pc] = (
    await db.query(
      `SELECT attempted_handles AS attempted, confirmed_handles AS confirmed, calls::text AS calls
       FROM period_counters WHERE contract_id = $1 AND period_start = $2`,
      [p.contractId, p.start],
    )
  ).rows;
  return {
    handles: {
      attempted: ph.attempted,
      confirmed: ph.confirmed,
      calls: Number(c.calls),
      userContextCalls: Number(ph.calls),
    },
    counter: {
      attempted: pc?.attempted ?? -1,
      confirmed: pc?.confirmed ?? -1,
      calls: Number(pc?.calls ?? -1),
      userContextCalls: Number(c.user_context),
    },
  };
}

/**
 * Drops a table's indexes (and the constraints they back, unless another table references them)
 * and returns the statements that rebuild them exactly: one sorted build after the load is far
 * cheaper than maintaining a random-UUID index row by row over 50M inserts.
 */
export async function dropIndexes(db: Client, table: string): Promise<string[]> {
  const { rows } = await db.query<{
    index: string;
    constraint: string | null;
    indexdef: string;
    condef: string | null;
    referenced: boolean;
  }>(
    `SELECT i.indexrelid::regclass::text AS index, c.conname AS constraint, pg_get_indexdef(i.indexrelid) AS indexdef,
            pg_get_constraintdef(c.oid) AS condef,
            EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = i.indrelid) AS referenced
       FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
      WHERE i.indrelid = $1::regclass AND (SELECT relkind FROM pg_class WHERE oid = i.indrelid) IN ('r', 'p')`,
    [table],
  );
  const rebuild: string[] = [];
  for (const r of rows) {
    if (r.constraint && r.referenced) continue;
    if (r.constraint) {
      await db.query(`ALTER TABLE ${table} DROP CONSTRAINT ${quoteIdent(r.constraint)}`);
      rebuild.push(`ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(r.constraint)} ${r.condef}`);
    } else {
      await db.query(`DROP INDEX ${r.index}`);
      // A partitioned table's index is shown ON ONLY the parent; rebuilt, it must cover every partition.
      rebuild.push(r.indexdef.replace(' ON ONLY ', ' ON '));
    }
  }
  return rebuild;
}

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}
