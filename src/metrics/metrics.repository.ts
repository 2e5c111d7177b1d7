import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface OpenPeriodRow {
  contract_id: string;
  period_key: string;
  count_policy: 'attempted' | 'confirmed';
  handle_allowance: number;
  attempted_handles: number;
  confirmed_handles: number;
}

@Injectable()
export class MetricsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Every contract's open period that has a counter row (a period without calls has none yet). One query per scrape. */
  openPeriods(): Promise<OpenPeriodRow[]> {
    return this.ds.query<OpenPeriodRow[]>(
      `SELECT pc.contract_id, pc.period_key, c.count_policy, c.handle_allowance, pc.attempted_handles, pc.confirmed_handles
         FROM period_counters pc JOIN contracts c ON c.id = pc.contract_id
        WHERE pc.period_start <= now() AND pc.period_end > now()`,
    );
  }
}
