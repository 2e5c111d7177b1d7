import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { countedAppSql, OverageBoundary, overageSql } from '../ledger/counting-order';
import { AggregatesService } from '../ledger/aggregates.service';
import { BillingPeriod } from '../periods/billing-period';
import { Terms } from '../contracts/terms';
import { Counts, UsageFigures } from './figures';
import { DatabaseLock } from '../database/database-lock';

export interface StatementRow {
  period_start: Date;
  period_end: Date;
  period_key: string;
  timezone: string;
  count_policy: 'attempted' | 'confirmed';
  attempted_handles: number;
  confirmed_handles: number;
  handle_allowance: number;
  overage_price_minor: string;
  currency: string;
  calls: string;
  closed_at: Date;
}

export interface PeriodCountsRow {
  period_start: Date;
  period_end: Date;
  period_key: string;
  attempted: number;
  confirmed: number;
  calls: string;
}

@Injectable()
export class StatementsRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly aggregates: AggregatesService,
  ) {}

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  /**
   * The close of one period is one instance's job: another instance closing it at the same time
   * gets false and moves on (the statement's key would refuse its copy anyway, after the work).
   */
  async tryLockClose(m: EntityManager, contractId: string, p: BillingPeriod): Promise<boolean> {
    const [r] = await m.query<{ locked: boolean }[]>('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS locked', [
      DatabaseLock.PeriodClose,
      `${contractId}|${p.start.toISOString()}`,
    ]);
    return r.locked;
  }

  /** Writes the statement unless one exists; true when this call wrote it (and froze the handle set). */
  async insertStatement(
    m: EntityManager,
    contractId: string,
    p: BillingPeriod,
    terms: Terms,
    f: UsageFigures,
  ): Promise<boolean> {
    const inserted = await m.query<unknown[]>(
      `INSERT INTO statements (contract_id, period_start, period_end, period_key, timezone, count_policy, attempted_handles,
         confirmed_handles, unique_handles, handle_allowance, overage_price_minor, currency, overage_handles, overage_cost_minor, calls)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT (contract_id, period_start) DO NOTHING RETURNING 1`,
      [
        contractId,
        p.start,
        p.end,
        p.key,
        p.timezone,
        terms.countPolicy,
        f.attemptedHandles,
        f.confirmedHandles,
        f.uniqueHandles,
        terms.allowance,
        terms.overagePriceMinor.toString(),
        terms.currency,
        f.overageHandles,
        (terms.overagePriceMinor * BigInt(f.overageHandles)).toString(),
        f.calls,
      ],
    );
    if (!inserted.length) return false;
    const boundary = await this.aggregates.overageBoundary(contractId, p.start, terms.countPolicy, terms.allowance, m);
    await this.freezeHandles(m, contractId, p, terms, boundary);
    await this.freezeApps(m, contractId, p, terms, boundary);
    await m.query(
      `INSERT INTO statement_days (contract_id, period_start, day, first_seen, confirmed)
       SELECT contract_id, period_start, (first_seen_at AT TIME ZONE $3)::date, count(*), count(*) FILTER (WHERE confirmed)
         FROM statement_handles WHERE contract_id = $1 AND period_start = $2
        GROUP BY 1, 2, 3`,
      [contractId, p.start, p.timezone],
    );
    return true;
  }

  /**
   * Copies the period's handle set into the statement, in roster order and in slices: each
   * statement stays well inside the pool's query timeout at a million handles, and the frozen
   * set's rows lie in the order its roster and CSV read them. The counter row's lock keeps the
   * set still between slices. The slice key is the timestamp as text, exact to the microsecond.
   */
  private async freezeHandles(
    m: EntityManager,
    contractId: string,
    p: BillingPeriod,
    terms: Terms,
    boundary: OverageBoundary,
  ): Promise<void> {
    const b = boundary.kind === 'after' ? boundary : null;
    let after = null as { at: string; userId: string } | null;
    for (;;) {
      const [slice]: { n: number; at: string | null; user_id: string | null }[] = await m.query(
        `WITH slice AS (
           SELECT contract_id, period_start, user_id, screen_name, first_seen_at, last_seen_at, calls, confirmed_at IS NOT NULL AS confirmed,
                  ${countedAppSql(terms.countPolicy)} AS first_app_id, ${overageSql(terms.countPolicy, boundary, '$6', '$7')} AS overage
             FROM period_handles h
            WHERE contract_id = $1 AND period_start = $2 AND ($3::timestamptz IS NULL OR (h.first_seen_at, h.user_id) > ($3::timestamptz, $4::bigint))
            ORDER BY h.first_seen_at, h.user_id
            LIMIT $5
         ), copied AS (
           INSERT INTO statement_handles (contract_id, period_start, user_id, screen_name, first_seen_at, last_seen_at, calls, confirmed, first_app_id, overage)
           SELECT * FROM slice
         )
         SELECT (SELECT count(*)::int FROM slice) AS n, to_char(last.first_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, last.user_id::text AS user_id
           FROM (SELECT 1) one LEFT JOIN (SELECT first_seen_at, user_id FROM slice ORDER BY first_seen_at DESC, user_id DESC LIMIT 1) last ON true`,
        [contractId, p.start, after?.at ?? null, after?.userId ?? null, FREEZE_SLICE, b?.at ?? null, b?.userId ?? null],
      );
      if (slice.n < FREEZE_SLICE) return;
      after = { at: slice.at!, userId: slice.user_id! };
    }
  }

  /** What each app made and counted, with the overage handles it counted, from the ledger's aggregates under the close's counter lock. */
  private async freezeApps(
    m: EntityManager,
    contractId: string,
    p: BillingPeriod,
    terms: Terms,
    boundary: OverageBoundary,
  ): Promise<void> {
    const [apps, overage] = await Promise.all([
      this.aggregates.perApp(contractId, p.start, terms.countPolicy, m),
      this.aggregates.overagePerApp(contractId, p.start, terms.countPolicy, boundary, m),
    ]);
    await m.query(
      `INSERT INTO statement_apps (contract_id, period_start, app_id, calls, handles, first_counted, overage_handles)
       SELECT $1, $2, * FROM unnest($3::uuid[], $4::bigint[], $5::int[], $6::int[], $7::int[])`,
      [
        contractId,
        p.start,
        apps.map((a) => a.appId),
        apps.map((a) => a.calls),
        apps.map((a) => a.handles),
        apps.map((a) => a.counted),
        apps.map((a) => overage.get(a.appId) ?? 0),
      ],
    );
  }

  /** A closed period's chargeback, as frozen with its statement. */
  statementApps(
    contractId: string,
    periodStart: Date,
  ): Promise<{ app_id: string; calls: string; handles: number; first_counted: number; overage_handles: number }[]> {
    return this.ds.query(
      'SELECT app_id, calls::text, handles, first_counted, overage_handles FROM statement_apps WHERE contract_id = $1 AND period_start = $2',
      [contractId, periodStart],
    );
  }

  statementStarts(contractId: string): Promise<Date[]> {
    return this.ds
      .query('SELECT period_start FROM statements WHERE contract_id = $1', [contractId])
      .then((rows: { period_start: Date }[]) => rows.map((r) => r.period_start));
  }

  earliestUsage(contractId: string): Promise<Date | null> {
    return this.ds
      .query<{ s: Date | null }[]>('SELECT min(period_start) AS s FROM period_counters WHERE contract_id = $1', [
        contractId,
      ])
      .then((rows) => rows[0].s);
  }

  async statement(contractId: string, periodStart: Date): Promise<StatementRow | null> {
    const rows = await this.ds.query<StatementRow[]>(
      `${STATEMENT_SELECT} WHERE contract_id = $1 AND period_start = $2`,
      [contractId, periodStart],
    );
    return rows[0] ?? null;
  }

  async isClosed(contractId: string, periodStart: Date): Promise<boolean> {
    const rows = await this.ds.query<unknown[]>(
      'SELECT 1 FROM statements WHERE contract_id = $1 AND period_start = $2',
      [contractId, periodStart],
    );
    return rows.length > 0;
  }

  statements(contractId: string): Promise<StatementRow[]> {
    return this.ds.query<StatementRow[]>(`${STATEMENT_SELECT} WHERE contract_id = $1`, [contractId]);
  }

  async counts(contractId: string, periodStart: Date): Promise<Counts | null> {
    const rows = await this.ds.query<{ attempted: number; confirmed: number; calls: string }[]>(
      `SELECT attempted_handles AS attempted, confirmed_handles AS confirmed, calls::text AS calls FROM period_counters
        WHERE contract_id = $1 AND period_start = $2`,
      [contractId, periodStart],
    );
    return rows[0]
      ? { attempted: rows[0].attempted, confirmed: rows[0].confirmed, calls: Number(rows[0].calls) }
      : null;
  }

  periodCounts(contractId: string): Promise<PeriodCountsRow[]> {
    return this.ds.query<PeriodCountsRow[]>(
      `SELECT period_start, period_end, period_key, attempted_handles AS attempted, confirmed_handles AS confirmed, calls::text AS calls
         FROM period_counters WHERE contract_id = $1 ORDER BY period_start DESC`,
      [contractId],
    );
  }
}

/** Handles copied per statement when a period is frozen: about a second's work each. */
const FREEZE_SLICE = 100_000;

const STATEMENT_SELECT = `
  SELECT period_start, period_end, period_key, timezone, count_policy, attempted_handles, confirmed_handles,
         handle_allowance, overage_price_minor::text, trim(currency) AS currency, calls::text, closed_at
    FROM statements`;
