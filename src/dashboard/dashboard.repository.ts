import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface OpenCountsRow {
  contract_id: string;
  attempted: number;
  confirmed: number;
  calls: string;
}

export interface TopHandleRow {
  user_id: string;
  screen_name: string | null;
  calls: number;
  first_seen_at: Date;
  confirmed: boolean;
}

/** The dashboard's reads of the live ledger (closed periods come from their statements through PeriodsService). */
@Injectable()
export class DashboardRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Each contract's counter row for the period given beside it: the contract list in one query. */
  openCounts(contractIds: string[], periodStarts: Date[]): Promise<OpenCountsRow[]> {
    return this.ds.query<OpenCountsRow[]>(
      `SELECT pc.contract_id, pc.attempted_handles AS attempted, pc.confirmed_handles AS confirmed, pc.calls::text AS calls
         FROM period_counters pc JOIN unnest($1::uuid[], $2::timestamptz[]) AS v (contract_id, period_start)
           ON pc.contract_id = v.contract_id AND pc.period_start = v.period_start`,
      [contractIds, periodStarts],
    );
  }

  /** The busiest handles, from the few the ledger keeps ranked (period_top_handles) rather than by sorting the set. */
  topHandles(contractId: string, periodStart: Date, limit: number): Promise<TopHandleRow[]> {
    return this.ds.query<TopHandleRow[]>(
      `SELECT h.user_id::text, h.screen_name, h.calls, h.first_seen_at, h.confirmed_at IS NOT NULL AS confirmed
         FROM (SELECT user_id FROM period_top_handles WHERE contract_id = $1 AND period_start = $2 ORDER BY calls DESC, user_id LIMIT $3 * 2) t
         JOIN period_handles h ON h.contract_id = $1 AND h.period_start = $2 AND h.user_id = t.user_id
        ORDER BY h.calls DESC, h.user_id LIMIT $3`,
      [contractId, periodStart, limit],
    );
  }
}
