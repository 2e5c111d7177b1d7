import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

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
   * Calls per app in the period, busiest first. Gateway calls only: those carry an app, and none
   * reaches a period after it closed, so the answer is the same on every delivery attempt.
   * `at` lies in the period exactly when `period_start` names it; the range uses the call log's index.
   */
  callsPerApp(contractId: string, start: Date, end: Date): Promise<AppCallsRow[]> {
    return this.ds.query(
      `SELECT c.app_id, a.name, count(*)::int AS calls
         FROM calls c JOIN apps a ON a.id = c.app_id
        WHERE c.contract_id = $1 AND c.at >= $2 AND c.at < $3
        GROUP BY c.app_id, a.name ORDER BY calls DESC, a.name`,
      [contractId, start, end],
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
