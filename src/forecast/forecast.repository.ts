import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CountPolicy } from '../contracts/contract.entity';

export interface DailyCount {
  period_start: Date;
  day: string;
  n: number;
}

/** The curves a projection is built from: handles first seen (or first confirmed) per local day. */
@Injectable()
export class ForecastRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The open period, from the live handle set; `day` is the local date in the contract's zone. */
  newHandlesPerDay(contractId: string, periodStart: Date, timezone: string, policy: CountPolicy): Promise<DailyCount[]> {
    const at = policy === 'confirmed' ? 'confirmed_at' : 'first_seen_at';
    return this.ds.query(
      `SELECT period_start, to_char(${at} AT TIME ZONE $3, 'YYYY-MM-DD') AS day, count(*)::int AS n
         FROM period_handles WHERE contract_id = $1 AND period_start = $2 AND ${at} IS NOT NULL
        GROUP BY 1, 2`,
      [contractId, periodStart, timezone],
    );
  }

  /** Closed periods before `before`, newest first (at most `limit`), from their frozen handle sets. */
  history(contractId: string, before: Date, timezone: string, policy: CountPolicy, limit: number): Promise<DailyCount[]> {
    const confirmedOnly = policy === 'confirmed' ? 'AND h.confirmed' : '';
    return this.ds.query(
      `WITH recent AS (SELECT period_start FROM statements WHERE contract_id = $1 AND period_start < $2 ORDER BY period_start DESC LIMIT $4)
       SELECT h.period_start, to_char(h.first_seen_at AT TIME ZONE $3, 'YYYY-MM-DD') AS day, count(*)::int AS n
         FROM statement_handles h JOIN recent r ON r.period_start = h.period_start
        WHERE h.contract_id = $1 ${confirmedOnly}
        GROUP BY 1, 2`,
      [contractId, before, timezone, limit],
    );
  }

  periodEnds(contractId: string, starts: Date[]): Promise<{ period_start: Date; period_end: Date }[]> {
    return this.ds.query('SELECT period_start, period_end FROM statements WHERE contract_id = $1 AND period_start = ANY($2)', [contractId, starts]);
  }
}
