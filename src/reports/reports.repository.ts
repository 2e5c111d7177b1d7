import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface TopHandleRow {
  user_id: string;
  screen_name: string | null;
  calls: number;
  confirmed: boolean;
}

/** The monthly report's reads beyond the statement itself. */
@Injectable()
export class ReportsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The busiest handles of a closed period, from the handle set frozen with its statement. */
  topHandles(contractId: string, periodStart: Date, limit: number): Promise<TopHandleRow[]> {
    return this.ds.query(
      `SELECT user_id::text, screen_name, calls, confirmed FROM statement_handles
        WHERE contract_id = $1 AND period_start = $2 ORDER BY calls DESC, user_id LIMIT $3`,
      [contractId, periodStart, limit],
    );
  }
}
