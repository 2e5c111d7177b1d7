import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface CounterRow {
  attempted: number;
  confirmed: number;
  calls: string;
}

export interface RosterRow {
  user_id: string;
  screen_name: string | null;
  first_seen_at: Date;
  last_seen_at: Date;
  calls: number;
  confirmed: boolean;
}

/** The finance side's reads of the ledger. */
@Injectable()
export class UsageRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async counters(contractId: string, periodStart: Date): Promise<CounterRow | null> {
    const rows = await this.ds.query(
      `SELECT attempted_handles AS attempted, confirmed_handles AS confirmed, calls::text AS calls
         FROM period_counters WHERE contract_id = $1 AND period_start = $2`,
      [contractId, periodStart],
    );
    return rows[0] ?? null;
  }

  /**
   * Keyset page of a period's handles in the order they joined the bill: the live set, or for a
   * closed period the set frozen with its statement (what was billed; late imports are not in it).
   */
  roster(contractId: string, periodStart: Date, frozen: boolean, limit: number, after?: { firstSeen: Date; userId: string }): Promise<RosterRow[]> {
    const [table, confirmed] = frozen ? ['statement_handles', 'confirmed'] : ['period_handles', 'confirmed_at IS NOT NULL'];
    return this.ds.query(
      `SELECT user_id::text, screen_name, first_seen_at, last_seen_at, calls, ${confirmed} AS confirmed
         FROM ${table}
        WHERE contract_id = $1 AND period_start = $2
          AND ($3::timestamptz IS NULL OR (first_seen_at, user_id) > ($3::timestamptz, $4::bigint))
        ORDER BY first_seen_at, user_id
        LIMIT $5`,
      [contractId, periodStart, after?.firstSeen ?? null, after?.userId ?? null, limit],
    );
  }

  rateLimits(): Promise<{ app_id: string; app_name: string; contract_id: string; per_minute_limit: number | null; per_minute_remaining: number | null; seen_at: Date }[]> {
    return this.ds.query(
      `SELECT r.app_id, a.name AS app_name, a.contract_id, r.per_minute_limit, r.per_minute_remaining, r.seen_at
         FROM app_rate_limits r JOIN apps a ON a.id = r.app_id ORDER BY a.name, r.app_id`,
    );
  }
}
