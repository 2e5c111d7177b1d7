import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { CountRow } from '../database/rows';

export interface ReviewCandidate {
  user_id: string;
  screen_name: string | null;
  reason:
    | 'not_confirmed'
    | 'utc_month_only'
    | 'outside_utc_month'
    | 'never_reached_x'
    | 'near_period_start'
    | 'near_period_end';
}

type Handle = { user_id: string; screen_name: string | null };
type InsertedRow = { id: string; created_at: Date };
export type ReconciliationRow = { id: string; report: object; created_at: Date; created_by: string | null };

@Injectable()
export class ReconciliationsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Handles worth a look when X's count differs from ours: ones X may not count (never confirmed),
   * ones a UTC-calendar-month bill would count differently (X's billing month is unconfirmed),
   * and ones whose every call failed to reach X (we do not count them). The last two are
   * questions about single calls, so they read the call log, by time range: the period's or the
   * UTC month's partitions only (calls_contract_at).
   */
  async reviewCandidates(
    contractId: string,
    period: { start: Date; end: Date },
    frozen: boolean,
    utcStart: Date,
    utcEnd: Date,
  ): Promise<ReviewCandidate[]> {
    return this.ds.query<ReviewCandidate[]>(
      `WITH ours AS (${ours(frozen)}), utc AS (${UTC_MONTH_HANDLES}),
            unsent AS (SELECT DISTINCT user_id FROM calls
                        WHERE contract_id = $1 AND at >= $2 AND at < $5 AND period_start = $2 AND outcome = 'unreachable'
                          AND user_id IS NOT NULL AND user_id NOT IN (SELECT user_id FROM ours))
       SELECT user_id::text, screen_name, 'not_confirmed' AS reason FROM ours WHERE NOT confirmed
       UNION ALL SELECT u.user_id::text, NULL, 'utc_month_only' FROM utc u WHERE u.user_id NOT IN (SELECT user_id FROM ours)
       UNION ALL SELECT o.user_id::text, o.screen_name, 'outside_utc_month' FROM ours o WHERE o.user_id NOT IN (SELECT user_id FROM utc)
       UNION ALL SELECT user_id::text, NULL, 'never_reached_x' FROM unsent`,
      [contractId, period.start, utcStart, utcEnd, period.end],
    );
  }

  /** What the count would be if X billed the UTC calendar month (docs/x-api-facts.md: unconfirmed which it does). */
  async utcMonthCount(contractId: string, utcStart: Date, utcEnd: Date): Promise<number> {
    const [r] = await this.ds.query<CountRow[]>(
      `SELECT count(*)::int AS n FROM (${UTC_MONTH_HANDLES.replace(/\$3/g, '$2').replace(/\$4/g, '$3')}) u`,
      [contractId, utcStart, utcEnd],
    );
    return r.n;
  }

  /** Distinct handles counted between two instants under a count policy, from the call log (any period key). */
  async countBetween(contractId: string, start: Date, end: Date, policy: 'attempted' | 'confirmed'): Promise<number> {
    const counted = policy === 'confirmed' ? `status BETWEEN 200 AND 299` : `outcome <> 'unreachable'`;
    const [r] = await this.ds.query<CountRow[]>(
      `SELECT count(DISTINCT user_id)::int AS n FROM calls WHERE contract_id = $1 AND at >= $2 AND at < $3 AND user_id IS NOT NULL AND ${counted}`,
      [contractId, start, end],
    );
    return r.n;
  }

  /** The period's handles first counted before `startUntil` or from `endFrom` on (at most `limit` of each, first seen first). */
  async boundary(
    contractId: string,
    periodStart: Date,
    frozen: boolean,
    startUntil: Date,
    endFrom: Date,
    limit = 100_000,
  ): Promise<{ nearStart: Handle[]; nearEnd: Handle[] }> {
    const table = frozen ? 'statement_handles' : 'period_handles';
    const q = (cmp: string) =>
      this.ds.query<Handle[]>(
        `SELECT user_id::text, screen_name FROM ${table} WHERE contract_id = $1 AND period_start = $2 AND first_seen_at ${cmp} $3 ORDER BY first_seen_at, user_id LIMIT $4`,
        [contractId, periodStart, cmp === '<' ? startUntil : endFrom, limit],
      );
    const [nearStart, nearEnd] = await Promise.all([q('<'), q('>=')]);
    return { nearStart, nearEnd };
  }

  async insert(r: {
    contractId: string;
    periodStart: Date;
    periodKey: string;
    invoicedHandles: number;
    invoicedAmountMinor: bigint | null;
    currency: string;
    ourHandles: number;
    basis: string;
    report: object;
    createdBy: string;
  }): Promise<InsertedRow> {
    const [row] = await this.ds.query<InsertedRow[]>(
      `INSERT INTO reconciliations (contract_id, period_start, period_key, invoiced_handles, invoiced_amount_minor, currency, our_handles, basis, report, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id, created_at`,
      [
        r.contractId,
        r.periodStart,
        r.periodKey,
        r.invoicedHandles,
        r.invoicedAmountMinor?.toString() ?? null,
        r.currency,
        r.ourHandles,
        r.basis,
        r.report,
        r.createdBy,
      ],
    );
    return row;
  }

  async find(contractId: string, id: string): Promise<ReconciliationRow | null> {
    const [row] = await this.ds.query<ReconciliationRow[]>(
      'SELECT id, report, created_at, created_by FROM reconciliations WHERE contract_id = $1 AND id = $2',
      [contractId, id],
    );
    return row ?? null;
  }

  list(contractId: string): Promise<ReconciliationRow[]> {
    return this.ds.query<ReconciliationRow[]>(
      'SELECT id, report, created_at, created_by FROM reconciliations WHERE contract_id = $1 ORDER BY created_at DESC, id',
      [contractId],
    );
  }
}

const UTC_MONTH_HANDLES = `
  SELECT DISTINCT user_id FROM calls
   WHERE contract_id = $1 AND at >= $3 AND at < $4 AND user_id IS NOT NULL AND outcome <> 'unreachable'`;

function ours(frozen: boolean): string {
  return frozen
    ? 'SELECT user_id, screen_name, confirmed FROM statement_handles WHERE contract_id = $1 AND period_start = $2'
    : 'SELECT user_id, screen_name, confirmed_at IS NOT NULL AS confirmed FROM period_handles WHERE contract_id = $1 AND period_start = $2';
}
