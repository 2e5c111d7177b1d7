import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { yieldToEventLoop } from '../common/event-loop';
import { isMissingPartition } from '../common/pg-errors';
import { PG_POOL } from '../database/database.module';
import { DatabaseLock } from '../database/database-lock';
import { poolTransaction } from '../database/pool-transaction';
import type { CountRow, IdRow } from '../database/rows';
import * as SQL from './ledger.sql';
import type { EntityManager } from 'typeorm';
import type { BillingPeriod } from '../periods/billing-period';
import { CallOutcome, ImportedCall, Metering, PendingCall, PeriodCounts, WriteAheadResult } from './ledger.types';

type PeriodRef = { contractId: string; start: string };
type UncountedHandle = { contractId: string; start: string; userId: string; n: number };
type CounterLock = {
  contract_id: string;
  period_start: Date;
  attempted_handles: number;
  confirmed_handles: number;
  calls: string;
  allowance: number;
};
/** One handle of a write-ahead batch, as ledger_count_calls returns it. */
type CountedHandle = {
  r_contract: string;
  r_period: Date;
  r_user: string;
  r_inserted: boolean;
  r_was_confirmed: boolean;
  r_attempted: number;
  r_confirmed: number;
  r_allowance: number;
};
type ExistingHandleRow = { contract_id: string; period_start: Date; user_id: string };
/** An imported call that was new (its external id not seen before). */
type LoggedImportRow = { external_id: string };
/** A handle whose confirmation may have been lost: its first unsettled 2xx and the calls still `sent`. */
type UnsettledRow = {
  contract_id: string;
  period_start: Date;
  user_id: string;
  at: Date;
  app_id: string | null;
  ids: string[];
};
/** The calls taken back, per handle (user_id null: app-only calls). */
type ForgottenRow = { contract_id: string; period_start: Date; user_id: string | null; n: number };
const periodKey = (contractId: string, start: string) => `${contractId}|${start}`;
const handleKey = (contractId: string, start: string, userId: string) => `${contractId}|${start}|${userId}`;

/**
 * The ledger's writes, in plain SQL on the hot path's own pool (PG_POOL): named (prepared)
 * statements and set-based inserts of a whole batch, with no ORM in between.
 */
@Injectable()
export class LedgerRepository {
  /**
   * Handles known to be confirmed in their period (confirmation never goes back), so their later
   * 2xx answers skip the confirm statement. Bounded: forgetting only costs a no-op update.
   */
  private readonly confirmed = new Set<string>();

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Commits a batch of calls (or refuses the ones `block` leaves no room for), all in one
   * transaction. Without `block` calls that is one statement, a transaction by itself: the
   * write-ahead of the whole batch costs one round trip.
   */
  async writeAhead(calls: PendingCall[]): Promise<WriteAheadResult[]> {
    try {
      return await this.writeAheadOnce(calls);
    } catch (e) {
      if (!isMissingPartition(e)) throw e;
      // The safety net for a month the scheduler did not make ahead (no instance ran it for two
      // months, or a clock is far off): nothing of the batch was written, so the month is made now
      // (an ATTACH, which does not hold up other calls' writes) and the batch written again. The
      // call log has no DEFAULT partition to catch such rows: with one, PostgreSQL refuses the
      // retention's DETACH ... CONCURRENTLY (CallLogService.dropExpired).
      await this.ensureCallPartitions(calls.map((c) => c.at));
      return this.writeAheadOnce(calls);
    }
  }

  private writeAheadOnce(calls: PendingCall[]): Promise<WriteAheadResult[]> {
    if (!calls.some((c) => c.block && c.userId !== null)) {
      return poolTransaction(
        this.pool,
        async (db) => {
          const counted = await db.query<CountedHandle>({
            name: 'ledger_count_calls',
            text: SQL.COUNT_CALLS,
            values: SQL.countCallsValues(countingBatch(calls, true)),
          });
          const metering = meteringOf(calls, counted.rows);
          return calls.map((c) => ({ ok: true as const, metering: metering.get(c) ?? null }));
        },
        { begin: false },
      );
    }
    return poolTransaction(this.pool, async (db) => {
      const locked = await this.lockCounters(db, calls);
      const results = await this.decideBlocked(db, calls, locked);
      const admitted = calls.filter((_, i) => results[i].ok);
      if (!admitted.length) return results;
      const counted = await db.query<CountedHandle>({
        name: 'ledger_count_calls',
        text: SQL.COUNT_CALLS,
        values: SQL.countCallsValues(countingBatch(admitted, true)),
      });
      const metering = meteringOf(admitted, counted.rows);
      return results.map((r, i) => (r.ok ? { ok: true as const, metering: metering.get(calls[i]) ?? null } : r));
    });
  }

  /** Creates and locks the batch's (contract, period) counter rows, in one order for every writer. */
  private async lockCounters(db: PoolClient, calls: PendingCall[]): Promise<CounterLock[]> {
    const periods = sortedPeriods(
      calls.map((c) => ({ contractId: c.contractId, start: c.period.start.toISOString() })),
    );
    const byKey = new Map(calls.map((c) => [periodKey(c.contractId, c.period.start.toISOString()), c.period]));
    const locked = await db.query<CounterLock>({
      name: 'ledger_lock_counters',
      text: SQL.LOCK_COUNTERS,
      values: [
        periods.map((p) => p.contractId),
        periods.map((p) => p.start),
        periods.map((p) => byKey.get(periodKey(p.contractId, p.start))!.end.toISOString()),
        periods.map((p) => byKey.get(periodKey(p.contractId, p.start))!.key),
      ],
    });
    return locked.rows;
  }

  /** `block` contracts: a handle new to the period is admitted only while the count is under the allowance. */
  private async decideBlocked(
    db: PoolClient,
    calls: PendingCall[],
    locked: CounterLock[],
  ): Promise<WriteAheadResult[]> {
    const results: WriteAheadResult[] = calls.map(() => ({ ok: true, metering: null }));
    const blocking = calls.filter((c) => c.block && c.userId !== null);
    if (!blocking.length) return results;
    const room = new Map(
      locked.map((r) => [
        periodKey(r.contract_id, r.period_start.toISOString()),
        { count: r.attempted_handles, allowance: r.allowance },
      ]),
    );
    const existing = await db.query<ExistingHandleRow>({
      name: 'ledger_existing_handles',
      text: SQL.EXISTING_HANDLES,
      values: [
        blocking.map((c) => c.contractId),
        blocking.map((c) => c.period.start.toISOString()),
        blocking.map((c) => c.userId),
      ],
    });
    const known = new Set(existing.rows.map((r) => handleKey(r.contract_id, r.period_start.toISOString(), r.user_id)));
    calls.forEach((c, i) => {
      if (!c.block || c.userId === null) return;
      const start = c.period.start.toISOString();
      const hk = handleKey(c.contractId, start, c.userId);
      if (known.has(hk)) return;
      const r = room.get(periodKey(c.contractId, start))!;
      if (r.count < r.allowance) {
        r.count++;
        known.add(hk);
      } else {
        results[i] = { ok: false, allowance: r.allowance };
      }
    });
    return results;
  }

  /**
   * Locks one period's counter row in the caller's transaction `m` (creating a zero one for a
   * period without calls): the ledger's writers for this period wait until it ends, so what the
   * caller reads meanwhile agrees with the counts returned (the close freezes a period this way).
   */
  async lockPeriodCounts(m: EntityManager, contractId: string, p: BillingPeriod): Promise<PeriodCounts> {
    const [r] = await m.query<CounterLock[]>(SQL.LOCK_COUNTERS, [[contractId], [p.start], [p.end], [p.key]]);
    return { attempted: r.attempted_handles, confirmed: r.confirmed_handles, calls: Number(r.calls) };
  }

  /**
   * Onboarding: calls made before handlemeter was in the path, counted as if they had come
   * through the gateway. A call already imported (same external id) changes nothing.
   * Returns how many were new.
   *
   * Applied in slices of IMPORT_SLICE calls, each its own short transaction: a slice holds its
   * periods' counter locks for a few milliseconds, and gateway calls waiting for them go between
   * two slices, instead of waiting out a 50k-row import. A failure part-way leaves the slices
   * before it committed; posting the import again completes it (those calls are duplicates by
   * their ids).
   *
   * Only the last slice's commit waits for the WAL flush: a commit holds its locks until it has
   * flushed, so the others (synchronous_commit off) let go of the counters an fsync earlier. The
   * last flush covers every slice before it, so when this returns the whole import is durable;
   * a crash before that can lose only slices of an import that never answered, to be posted again.
   */
  async importCalls(contractId: string, calls: ImportedCall[]): Promise<number> {
    await this.ensureCallPartitions(calls.map((c) => c.at));
    let added = 0;
    for (let i = 0; i < calls.length; i += IMPORT_SLICE) {
      if (i > 0) await yieldToEventLoop();
      added += await this.importSlice(contractId, calls.slice(i, i + IMPORT_SLICE), i + IMPORT_SLICE >= calls.length);
    }
    return added;
  }

  /** Creates the call log's partitions for the months of these instants, where missing. */
  async ensureCallPartitions(ats: Date[]): Promise<void> {
    // Months as numbers: an import's 50,000 instants, each printed as ISO text, held the event loop ~40 ms.
    const months = new Set<number>();
    for (const d of ats) months.add(d.getUTCFullYear() * 12 + d.getUTCMonth());
    const firstDays = [...months].map((m) =>
      new Date(Date.UTC(Math.floor(m / 12), m % 12, 1)).toISOString().slice(0, 10),
    );
    if (firstDays.length)
      await this.pool.query({
        name: 'ledger_ensure_partitions',
        text: SQL.ENSURE_CALL_PARTITIONS,
        values: [firstDays],
      });
  }

  /**
   * One slice: its calls logged, then counted. The counters are locked only for the counting
   * (ledger_count_calls locks them first, as every writer does), so the gateway's write-ahead,
   * which waits for them, does not wait out the logging too. The contract's import lock comes
   * before anything else: slices of two imports of one contract (a file posted twice at once)
   * take turns rather than wait on each other's uncommitted imported_calls rows, and a slice
   * waiting for its turn holds no other lock. Imports of other contracts are not held up.
   */
  private importSlice(contractId: string, calls: ImportedCall[], last: boolean): Promise<number> {
    return poolTransaction(this.pool, async (db) => {
      await db.query({
        name: 'ledger_begin_import_slice',
        text: SQL.BEGIN_IMPORT_SLICE,
        values: [DatabaseLock.UsageImport, contractId, last ? 'on' : 'off'],
      });
      const logged = await db.query<LoggedImportRow>({
        name: 'ledger_log_imported',
        text: SQL.LOG_IMPORTED_CALLS,
        values: [
          contractId,
          calls.map((c) => c.id),
          calls.map((c) => c.at.toISOString()),
          calls.map((c) => c.period.start.toISOString()),
          calls.map((c) => c.endpoint),
          calls.map((c) => c.userId),
          calls.map((c) => c.externalId),
          calls.map((c) => c.status),
        ],
      });
      const fresh = new Set(logged.rows.map((r) => r.external_id));
      const added = calls.filter((c) => fresh.has(c.externalId));
      if (!added.length) return 0;
      await db.query({
        name: 'ledger_count_calls',
        text: SQL.COUNT_CALLS,
        values: SQL.countCallsValues(countingBatch(added, false)),
      });
      const confirmed = distinctHandles(
        added.filter((c) => c.status >= 200 && c.status < 300).map((c) => ({ call: c, answeredAt: c.at })),
      );
      if (confirmed.length) await this.confirm(db, confirmed);
      return added.length;
    });
  }

  /** True when this handle's confirmation in the call's period is known to be committed. */
  isConfirmed(c: PendingCall): boolean {
    return c.userId !== null && this.confirmed.has(handleKey(c.contractId, c.period.start.toISOString(), c.userId));
  }

  /**
   * The second write of a call: its answer, the handle's confirmation on a 2xx, the app's rate
   * limit. Most batches confirm nothing new (a handle is confirmed once a period), so they are
   * one statement; only a first 2xx or an unreachable X takes the counter locks.
   */
  async writeOutcomes(outcomes: CallOutcome[]): Promise<void> {
    const confirms = distinctHandles(outcomes.filter((o) => o.call.userId !== null && isConfirmed(o))).filter(
      (c) => !this.isConfirmed(c),
    );
    const unsent = outcomes.filter((o) => o.call.userId !== null && o.outcome === 'unreachable');
    if (!confirms.length && !unsent.length) {
      // Unnamed, as every statement here that reaches the call log by ID: see SQL.monthsFrom.
      await this.pool.query(SQL.WRITE_OUTCOMES_AND_RATE_LIMITS, outcomeValues(outcomes));
      return;
    }
    await poolTransaction(this.pool, async (db) => {
      const periods = sortedPeriods(
        [...confirms, ...unsent.map((o) => o.call)].map((c) => ({
          contractId: c.contractId,
          start: c.period.start.toISOString(),
        })),
      );
      await db.query({
        name: 'ledger_lock_for_outcomes',
        text: SQL.LOCK_COUNTERS_FOR_OUTCOMES,
        values: [periods.map((p) => p.contractId), periods.map((p) => p.start)],
      });
      // Only calls still `sent` are uncounted: a retry of a batch whose commit went through must not uncount them twice.
      const stillSent = unsent.length
        ? new Set(
            (
              await db.query<IdRow>(SQL.STILL_SENT, [
                unsent.map((o) => o.call.id),
                SQL.monthsFrom(unsent.map((o) => o.call.at)),
              ])
            ).rows.map((r) => r.id),
          )
        : new Set<string>();
      await db.query(SQL.WRITE_OUTCOMES_AND_RATE_LIMITS, outcomeValues(outcomes));
      if (confirms.length) await this.confirm(db, confirms);
      await this.uncount(
        db,
        unsent.filter((o) => stillSent.has(o.call.id)),
      );
    });
    this.rememberConfirmed(confirms);
  }

  /**
   * Confirms the handles whose confirmation may have been lost (SQL.UNSETTLED_CONFIRMATIONS): calls
   * made between `withinMs` and `olderThanMs` ago. The counters are locked first as every writer
   * does, and a handle is confirmed once however many instances sweep. Returns how many.
   */
  async confirmUnsettled(olderThanMs: number, withinMs: number): Promise<number> {
    return poolTransaction(this.pool, async (db) => {
      const found = (
        await db.query<UnsettledRow>(SQL.UNSETTLED_CONFIRMATIONS, [
          new Date(Date.now() - olderThanMs).toISOString(),
          new Date(Date.now() - withinMs).toISOString(),
        ])
      ).rows;
      if (!found.length) return 0;
      const periods = sortedPeriods(
        found.map((r) => ({ contractId: r.contract_id, start: r.period_start.toISOString() })),
      );
      await db.query({
        name: 'ledger_lock_for_outcomes',
        text: SQL.LOCK_COUNTERS_FOR_OUTCOMES,
        values: [periods.map((p) => p.contractId), periods.map((p) => p.start)],
      });
      // Looked at again under row locks: an outcome written meanwhile (a retry that got through
      // at last, perhaps a 4xx) settles its call, and that handle is not confirmed for it.
      const still = new Set(
        (
          await db.query<IdRow>(SQL.STILL_SENT, [found.flatMap((r) => r.ids), SQL.monthsFrom(found.map((r) => r.at))])
        ).rows.map((r) => r.id),
      );
      const rows = found.filter((r) => r.ids.some((id) => still.has(id)));
      if (!rows.length) return 0;
      await db.query({
        name: 'ledger_confirm_handles',
        text: SQL.CONFIRM_HANDLES,
        values: [
          rows.map((r) => r.contract_id),
          rows.map((r) => r.period_start),
          rows.map((r) => r.user_id),
          rows.map((r) => r.at),
          rows.map((r) => r.app_id),
        ],
      });
      return rows.length;
    });
  }

  private rememberConfirmed(handles: PendingCall[]): void {
    if (this.confirmed.size > 200_000) this.confirmed.clear();
    for (const c of handles) this.confirmed.add(handleKey(c.contractId, c.period.start.toISOString(), c.userId!));
  }

  private async confirm(db: PoolClient, handles: PendingCall[]): Promise<void> {
    await db.query({
      name: 'ledger_confirm_handles',
      text: SQL.CONFIRM_HANDLES,
      values: [
        handles.map((c) => c.contractId),
        handles.map((c) => c.period.start.toISOString()),
        handles.map((c) => c.userId),
        handles.map((c) => c.at.toISOString()),
        handles.map((c) => c.appId),
      ],
    });
  }

  private async uncount(db: PoolClient, unsent: CallOutcome[]): Promise<void> {
    const n = new Map<string, UncountedHandle>();
    for (const o of unsent) {
      const start = o.call.period.start.toISOString();
      const k = handleKey(o.call.contractId, start, o.call.userId!);
      const e = n.get(k) ?? n.set(k, { contractId: o.call.contractId, start, userId: o.call.userId!, n: 0 }).get(k)!;
      e.n++;
    }
    await this.uncountHandles(db, [...n.values()]);
  }

  /** These handles lose `n` calls each; a handle left with none (and never confirmed) leaves the period's set. */
  private async uncountHandles(db: PoolClient, rows: UncountedHandle[]): Promise<void> {
    if (!rows.length) return;
    const cols = [rows.map((r) => r.contractId), rows.map((r) => r.start), rows.map((r) => r.userId)];
    await db.query({
      name: 'ledger_uncount_unsent',
      text: SQL.UNCOUNT_UNSENT,
      values: [...cols, rows.map((r) => r.n)],
    });
    await db.query({ name: 'ledger_drop_unsent', text: SQL.DROP_UNSENT_HANDLES, values: cols });
  }

  /**
   * Takes back write-aheads whose commit could not be confirmed (the connection broke while the
   * statement ran): those calls were refused with 503 and never sent, so a record that did commit
   * is removed with its counts, as if never written. A record that did not commit is not found.
   * Returns how many were taken back.
   */
  async forget(calls: PendingCall[], backendPids: number[]): Promise<number> {
    if (backendPids.length) await this.endBackends(backendPids);
    return poolTransaction(this.pool, async (db) => {
      const periods = sortedPeriods(
        calls.map((c) => ({ contractId: c.contractId, start: c.period.start.toISOString() })),
      );
      await db.query({
        name: 'ledger_lock_for_outcomes',
        text: SQL.LOCK_COUNTERS_FOR_OUTCOMES,
        values: [periods.map((p) => p.contractId), periods.map((p) => p.start)],
      });
      const gone = await db.query<ForgottenRow>(SQL.FORGET_CALLS, [
        calls.map((c) => c.id),
        SQL.monthsFrom(calls.map((c) => c.at)),
      ]);
      await this.uncountHandles(
        db,
        gone.rows
          .filter((r) => r.user_id !== null)
          .map((r) => ({ contractId: r.contract_id, start: r.period_start.toISOString(), userId: r.user_id!, n: r.n })),
      );
      return gone.rows.reduce((sum, r) => sum + r.n, 0);
    });
  }

  /**
   * Ends the server processes that ran failed write-aheads and waits until they are gone: a
   * statement whose connection broke may still be running there, and commit after a take-back
   * looked for it. Once they are gone, what they wrote is committed or never will be.
   */
  private async endBackends(pids: number[]): Promise<void> {
    await this.pool.query({ name: 'ledger_end_backends', text: SQL.END_BACKENDS, values: [pids] });
    for (let i = 0; i < 100; i++) {
      const alive = await this.pool.query<CountRow>({
        name: 'ledger_backends_alive',
        text: SQL.BACKENDS_ALIVE,
        values: [pids],
      });
      if (alive.rows[0].n === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`server processes ${pids.join(', ')} did not end`);
  }
}

/**
 * Each user-context call's metering, from the rows ledger_count_calls returned for its batch.
 * A handle named by several calls of one batch is new for the first of them only.
 */
function meteringOf(calls: PendingCall[], rows: CountedHandle[]): Map<PendingCall, Metering> {
  const byHandle = new Map(rows.map((r) => [handleKey(r.r_contract, r.r_period.toISOString(), String(r.r_user)), r]));
  const out = new Map<PendingCall, Metering>();
  for (const c of calls) {
    if (c.userId === null) continue;
    const r = byHandle.get(handleKey(c.contractId, c.period.start.toISOString(), c.userId));
    if (!r) continue;
    out.set(c, {
      handleNew: r.r_inserted,
      wasConfirmed: r.r_was_confirmed,
      attempted: r.r_attempted,
      confirmed: r.r_confirmed,
      allowance: r.r_allowance,
    });
    // Later calls of this batch for the same handle found it in the set.
    r.r_inserted = false;
  }
  return out;
}

/**
 * Calls per transaction of an import. The counting of a slice holds its periods' counter locks,
 * and the gateway's write-ahead waits for them: at 200, a 50,000-row import held them ~60 ms a
 * slice at 1M handles, and the gateway's p99 was 318 ms meanwhile (docs/benchmarks.md, the aims
 * of issue 13). At 25 the hold is a few milliseconds; the price is the import's time, about
 * twice as long, as each slice is a transaction of its own.
 */
export const IMPORT_SLICE = 25;

/** A batch of calls as ledger_count_calls' rows: the calls, their handles per period (repeats summed), their periods. */
function countingBatch(calls: PendingCall[], log: boolean): SQL.CountingBatch {
  const handles = new Map<string, SQL.BatchHandle>();
  const periods = new Map<string, SQL.BatchPeriod>();
  for (const c of calls) {
    const start = c.period.start.toISOString();
    const pk = periodKey(c.contractId, start);
    const p = periods.get(pk) ?? periods.set(pk, { contractId: c.contractId, period: c.period, calls: 0 }).get(pk)!;
    p.calls++;
    if (c.userId === null) continue;
    const hk = handleKey(c.contractId, start, c.userId);
    const h = handles.get(hk);
    if (h) {
      h.calls++;
      if (c.at < h.firstAt) h.firstAt = c.at;
      if (c.at >= h.lastAt) {
        h.lastAt = c.at;
        h.screenName = c.screenName;
      }
    } else
      handles.set(hk, {
        contractId: c.contractId,
        periodStart: start,
        userId: c.userId,
        screenName: c.screenName,
        firstAt: c.at,
        lastAt: c.at,
        calls: 1,
      });
  }
  return { calls, handles: [...handles.values()], periods: [...periods.values()], log };
}

/** WRITE_OUTCOMES_AND_RATE_LIMITS' arguments. */
function outcomeValues(outcomes: CallOutcome[]): unknown[] {
  const ats = outcomes.map((o) => o.call.at);
  return [
    ...outcomeColumns(outcomes),
    ...rateLimitColumns(outcomes),
    ats.map((a) => a.toISOString()),
    SQL.monthsFrom(ats),
  ];
}

function outcomeColumns(outcomes: CallOutcome[]): unknown[] {
  return [
    outcomes.map((o) => o.call.id),
    outcomes.map((o) => o.outcome),
    outcomes.map((o) => o.status),
    outcomes.map((o) => o.latencyMs),
    outcomes.map((o) => o.rateLimit.limit),
    outcomes.map((o) => o.rateLimit.remaining),
  ];
}

/** Each app's latest x-per-minute-* of the batch (none: empty arrays, the upsert does nothing). */
function rateLimitColumns(outcomes: CallOutcome[]): unknown[] {
  const latest = new Map<string, CallOutcome>();
  for (const o of outcomes) {
    if (o.call.appId === null || o.rateLimit.limit === null) continue;
    const prev = latest.get(o.call.appId);
    if (!prev || prev.answeredAt <= o.answeredAt) latest.set(o.call.appId, o);
  }
  const rows = [...latest.values()];
  return [
    rows.map((o) => o.call.appId),
    rows.map((o) => o.rateLimit.limit),
    rows.map((o) => o.rateLimit.remaining),
    rows.map((o) => o.answeredAt.toISOString()),
  ];
}

function isConfirmed(o: CallOutcome): boolean {
  return o.outcome === 'answered' && o.status !== null && o.status >= 200 && o.status < 300;
}

function sortedPeriods(ps: PeriodRef[]): PeriodRef[] {
  const unique = new Map(ps.map((p) => [periodKey(p.contractId, p.start), p]));
  return [...unique.values()].sort((a, b) =>
    a.contractId < b.contractId
      ? -1
      : a.contractId > b.contractId
        ? 1
        : a.start < b.start
          ? -1
          : a.start > b.start
            ? 1
            : 0,
  );
}

function distinctHandles(outcomes: Pick<CallOutcome, 'call' | 'answeredAt'>[]): PendingCall[] {
  const m = new Map<string, PendingCall>();
  for (const o of outcomes)
    m.set(handleKey(o.call.contractId, o.call.period.start.toISOString(), o.call.userId!), {
      ...o.call,
      at: o.answeredAt,
    });
  return [...m.values()];
}
