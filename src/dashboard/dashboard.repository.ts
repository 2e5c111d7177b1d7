import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CountPolicy } from '../contracts/contract.entity';

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
    return this.ds.query(
      `SELECT pc.contract_id, pc.attempted_handles AS attempted, pc.confirmed_handles AS confirmed, pc.calls::text AS calls
         FROM period_counters pc JOIN unnest($1::uuid[], $2::timestamptz[]) AS v (contract_id, period_start)
           ON pc.contract_id = v.contract_id AND pc.period_start = v.period_start`,
      [contractIds, periodStarts],
    );
  }

  /** Handles first counted on each local day of the period (first confirmed, under countPolicy confirmed). */
  newHandlesPerDay(contractId: string, periodStart: Date, timezone: string, policy: CountPolicy): Promise<{ day: string; n: number }[]> {
    const at = policy === 'confirmed' ? 'confirmed_at' : 'first_seen_at';
    return this.ds.query(
      `SELECT to_char(${at} AT TIME ZONE $3, 'YYYY-MM-DD') AS day, count(*)::int AS n
         FROM period_handles WHERE contract_id = $1 AND period_start = $2 AND ${at} IS NOT NULL
        GROUP BY 1`,
      [contractId, periodStart, timezone],
    );
  }

  topHandles(contractId: string, periodStart: Date, limit: number): Promise<TopHandleRow[]> {
    return this.ds.query(
      `SELECT user_id::text, screen_name, calls, first_seen_at, confirmed_at IS NOT NULL AS confirmed FROM period_handles
        WHERE contract_id = $1 AND period_start = $2 ORDER BY calls DESC, user_id LIMIT $3`,
      [contractId, periodStart, limit],
    );
  }
}
