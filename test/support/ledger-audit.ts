import { withClient } from './database';
import { callKey } from './traffic';

export interface LoggedCall {
  key: string;
  userId: string | null;
  periodStart: string;
  outcome: string;
  status: number | null;
}

/** The call log, the period handle sets and the counters of one contract, read straight from the database. */
export interface Ledger {
  calls: LoggedCall[];
  handles: { periodStart: string; userId: string; calls: number; confirmed: boolean }[];
  counters: { periodStart: string; attempted: number; confirmed: number; calls: number }[];
  /** Where the ledger's aggregates (period_activity, period_top_handles) disagree with the rows they sum up. */
  aggregateProblems: string[];
}

export async function readLedger(databaseUrl: string, contractId: string): Promise<Ledger> {
  return withClient(databaseUrl, async (c) => {
    const calls = await c.query(
      `SELECT user_id::text, tweet_count, period_start::text, outcome, status FROM calls WHERE contract_id = $1 AND source = 'gateway'`,
      [contractId],
    );
    const handles = await c.query(
      `SELECT period_start::text, user_id::text, calls, confirmed_at IS NOT NULL AS confirmed FROM period_handles WHERE contract_id = $1`,
      [contractId],
    );
    const counters = await c.query(
      `SELECT period_start::text, attempted_handles, confirmed_handles, calls::int FROM period_counters WHERE contract_id = $1`,
      [contractId],
    );
    const aggregates = await c.query(AGGREGATE_PROBLEMS, [contractId]);
    return {
      aggregateProblems: aggregates.rows.map((r) => r.problem),
      calls: calls.rows.map((r) => ({
        key: callKey(r.user_id, r.tweet_count),
        userId: r.user_id,
        periodStart: r.period_start,
        outcome: r.outcome,
        status: r.status,
      })),
      handles: handles.rows.map((r) => ({
        periodStart: r.period_start,
        userId: r.user_id,
        calls: r.calls,
        confirmed: r.confirmed,
      })),
      counters: counters.rows.map((r) => ({
        periodStart: r.period_start,
        attempted: r.attempted_handles,
        confirmed: r.confirmed_handles,
        calls: r.calls,
      })),
    };
  });
}

/**
 * What "nothing lost, nothing double-counted" means for a gateway-only contract, checked against
 * the call log itself, per period:
 * - the handle set is exactly the users with a call that may have reached X (any outcome but `unreachable`);
 * - each handle's `calls` is its number of such calls;
 * - the counter's attempted count is the size of the set, its confirmed count the handles with a 2xx answer, its calls every logged call.
 * Returns the problems found (none: an empty list), so a failure names all of them.
 */
export function ledgerProblems(l: Ledger): string[] {
  const problems: string[] = [...l.aggregateProblems];
  const periods = new Set([
    ...l.calls.map((c) => c.periodStart),
    ...l.handles.map((h) => h.periodStart),
    ...l.counters.map((c) => c.periodStart),
  ]);
  for (const p of periods) {
    const calls = l.calls.filter((c) => c.periodStart === p);
    const reached = new Map<string, number>();
    const confirmed = new Set<string>();
    for (const c of calls) {
      if (c.userId === null) continue;
      if (c.outcome !== 'unreachable') reached.set(c.userId, (reached.get(c.userId) ?? 0) + 1);
      if (c.outcome === 'answered' && c.status !== null && c.status >= 200 && c.status < 300) confirmed.add(c.userId);
    }
    const set = l.handles.filter((h) => h.periodStart === p);
    for (const h of set) {
      if (!reached.has(h.userId))
        problems.push(`${p}: handle ${h.userId} is in the set but has no call that reached X`);
      else if (reached.get(h.userId) !== h.calls)
        problems.push(`${p}: handle ${h.userId} has calls=${h.calls}, the call log has ${reached.get(h.userId)}`);
      if (h.confirmed !== confirmed.has(h.userId))
        problems.push(
          `${p}: handle ${h.userId} confirmed=${h.confirmed}, but its 2xx answers say ${confirmed.has(h.userId)}`,
        );
    }
    const inSet = new Set(set.map((h) => h.userId));
    for (const u of reached.keys())
      if (!inSet.has(u)) problems.push(`${p}: handle ${u} has calls that reached X but is not in the set`);
    const counter = l.counters.find((c) => c.periodStart === p);
    if (!counter) {
      problems.push(`${p}: no counter row`);
      continue;
    }
    if (counter.attempted !== set.length)
      problems.push(`${p}: attempted_handles=${counter.attempted}, the set has ${set.length}`);
    const setConfirmed = set.filter((h) => h.confirmed).length;
    if (counter.confirmed !== setConfirmed)
      problems.push(`${p}: confirmed_handles=${counter.confirmed}, the set has ${setConfirmed} confirmed`);
    if (counter.calls !== calls.length)
      problems.push(`${p}: counter calls=${counter.calls}, the call log has ${calls.length}`);
  }
  return problems;
}

/** Keys that occur more than once. */
export function duplicates(keys: string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const k of keys) (seen.has(k) ? twice : seen).add(k);
  return [...twice];
}

/**
 * The ledger's aggregates recomputed from the handle sets and the call log, compared key by key:
 * calls, first-seen and first-confirmed handles per (period, 15-minute slot, app), handles used
 * per (period, app), and the top handles' call counts (never above the handle's own). The local
 * days a handle was called on, and the handles active per local day, are checked as bounds: a
 * handle whose every call failed to reach X leaves the set (and may come back), a take-back
 * deletes calls, and neither takes its day back (migrations/1764180000000-CountHandlesActivePerDay.ts).
 */
const AGGREGATE_PROBLEMS = `
  WITH expected AS (
    SELECT period_start, slot, app_id, sum(calls) AS calls, sum(first_seen) AS first_seen, sum(confirmed) AS confirmed FROM (
      SELECT period_start, ledger_slot(at) AS slot, coalesce(app_id, ledger_no_app()) AS app_id, count(*) AS calls, 0 AS first_seen, 0 AS confirmed
        FROM calls WHERE contract_id = $1 GROUP BY 1, 2, 3
      UNION ALL
      SELECT period_start, ledger_slot(first_seen_at), coalesce(first_app_id, ledger_no_app()), 0, count(*), 0
        FROM period_handles WHERE contract_id = $1 GROUP BY 1, 2, 3
      UNION ALL
      SELECT period_start, ledger_slot(confirmed_at), coalesce(confirmed_app_id, ledger_no_app()), 0, 0, count(*)
        FROM period_handles WHERE contract_id = $1 AND confirmed_at IS NOT NULL GROUP BY 1, 2, 3
    ) x GROUP BY 1, 2, 3
  ), kept AS (
    SELECT period_start, slot, app_id, calls, first_seen, confirmed FROM period_activity WHERE contract_id = $1
  ), slots AS (
    SELECT period_start::text || ' slot ' || slot::text || ' app ' || app_id::text || ': kept '
           || coalesce(k.calls, 0) || '/' || coalesce(k.first_seen, 0) || '/' || coalesce(k.confirmed, 0) || ' calls/first seen/confirmed, rows say '
           || coalesce(e.calls, 0) || '/' || coalesce(e.first_seen, 0) || '/' || coalesce(e.confirmed, 0) AS problem
      FROM kept k FULL JOIN expected e USING (period_start, slot, app_id)
     WHERE coalesce(k.calls, 0) <> coalesce(e.calls, 0) OR coalesce(k.first_seen, 0) <> coalesce(e.first_seen, 0) OR coalesce(k.confirmed, 0) <> coalesce(e.confirmed, 0)
  ), apps AS (
    SELECT period_start::text || ' app ' || app_id::text || ': kept ' || coalesce(k.n, 0) || ' handles used, the set says ' || coalesce(e.n, 0) AS problem
      FROM (SELECT period_start, app_id, sum(handles) AS n FROM period_activity WHERE contract_id = $1 GROUP BY 1, 2) k
      FULL JOIN (SELECT period_start, a AS app_id, count(*) AS n FROM period_handles, unnest(apps) AS a WHERE contract_id = $1 GROUP BY 1, 2) e USING (period_start, app_id)
     WHERE coalesce(k.n, 0) <> coalesce(e.n, 0)
  ), top AS (
    SELECT t.period_start::text || ' top handle ' || t.user_id || ': ' || t.calls || ' calls kept, ' || coalesce(h.calls::text, 'no row') || ' in the set' AS problem
      FROM period_top_handles t LEFT JOIN period_handles h USING (contract_id, period_start, user_id)
     WHERE t.contract_id = $1 AND (h.calls IS NULL OR t.calls > h.calls)
  ), reached AS (
    SELECT c.period_start, c.user_id, c.at, k.timezone FROM calls c JOIN contracts k ON k.id = c.contract_id
     WHERE c.contract_id = $1 AND c.user_id IS NOT NULL AND c.outcome <> 'unreachable'
  ), days AS (
    SELECT h.period_start::text || ' handle ' || h.user_id || ': days ' || h.days || ', its calls say at least ' || d.days AS problem
      FROM period_handles h
      JOIN (SELECT period_start, user_id, bit_or(ledger_day_bit(at, period_start, timezone)) AS days FROM reached GROUP BY 1, 2) d
        USING (period_start, user_id)
     WHERE h.contract_id = $1 AND h.days & d.days <> d.days
  ), active AS (
    SELECT e.period_start::text || ' ' || e.day || ': ' || coalesce(k.n, 0) || ' handles active kept, the call log has ' || e.n AS problem
      FROM (SELECT period_start, (at AT TIME ZONE timezone)::date AS day, count(DISTINCT user_id) AS n FROM reached GROUP BY 1, 2) e
      LEFT JOIN (SELECT a.period_start, (a.slot AT TIME ZONE k.timezone)::date AS day, sum(a.active) AS n
                   FROM period_activity a JOIN contracts k ON k.id = a.contract_id WHERE a.contract_id = $1 GROUP BY 1, 2) k
        USING (period_start, day)
     WHERE coalesce(k.n, 0) < e.n
  )
  SELECT problem FROM slots UNION ALL SELECT problem FROM apps UNION ALL SELECT problem FROM top
  UNION ALL SELECT problem FROM days UNION ALL SELECT problem FROM active`;
