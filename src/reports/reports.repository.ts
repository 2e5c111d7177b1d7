import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { NO_APP } from '../ledger/counting-order';

export interface AppCallsRow {
  app_id: string;
  name: string;
  calls: number;
}

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

  /**
   * Calls per app in the closed period, busiest first, as frozen with its statement (read from the
   * ledger's aggregates at the close, not from the call log): the same on every delivery attempt.
   */
  callsPerApp(contractId: string, periodStart: Date): Promise<AppCallsRow[]> {
    return this.ds.query(
      `SELECT s.app_id, coalesce(a.name, 'deleted app') AS name, s.calls::int AS calls
         FROM statement_apps s LEFT JOIN apps a ON a.id = s.app_id
        WHERE s.contract_id = $1 AND s.period_start = $2 AND s.app_id <> $3 AND s.calls > 0
        ORDER BY s.calls DESC, name`,
      [contractId, periodStart, NO_APP],
    );
  }

  /** The busiest handles of a closed period, from the handle set frozen with its statement. */
  topHandles(contractId: string, periodStart: Date, limit: number): Promise<TopHandleRow[]> {
    return this.ds.query(
      `SELECT user_id::text, screen_name, calls, confirmed FROM statement_handles
        WHERE contract_id = $1 AND period_start = $2 ORDER BY calls DESC, user_id LIMIT $3`,
      [contractId, periodStart, limit],
    );
  }
}
