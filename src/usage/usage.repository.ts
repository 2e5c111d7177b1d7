import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CountPolicy } from '../contracts/contract.entity';
import { countedAppSql, OverageBoundary, overageSql } from '../ledger/counting-order';

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
  first_app_id: string | null;
  overage: boolean;
}

/** How the live set's rows are marked: the app that counted each handle and the overage boundary, under the period's policy. */
export interface LiveCounting {
  policy: CountPolicy;
  boundary: OverageBoundary;
}

/** The finance side's reads of the ledger. */
@Injectable()
export class UsageRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async counters(contractId: string, periodStart: Date): Promise<CounterRow | null> {
    const rows = await this.ds.query<CounterRow[]>(
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
  roster(
    contractId: string,
    periodStart: Date,
    live: LiveCounting | null,
    limit: number,
    after?: { firstSeen: Date; userId: string },
  ): Promise<RosterRow[]> {
    const [table, confirmed, app, overage] = live
      ? [
          'period_handles',
          'h.confirmed_at IS NOT NULL',
          countedAppSql(live.policy),
          overageSql(live.policy, live.boundary, '$6', '$7'),
        ]
      : ['statement_handles', 'h.confirmed', 'h.first_app_id', 'h.overage'];
    const b = live?.boundary.kind === 'after' ? live.boundary : null;
    // Ordered by the table's columns: a bare `user_id` would name the text output column, which
    // sorts "10" before "9" and so disagrees with the numeric keyset (handles skipped at a page edge).
    return this.ds.query(
      `SELECT h.user_id::text AS user_id, h.screen_name, h.first_seen_at, h.last_seen_at, h.calls, ${confirmed} AS confirmed,
              ${app} AS first_app_id, ${overage} AS overage
         FROM ${table} h
        WHERE h.contract_id = $1 AND h.period_start = $2
          AND ($3::timestamptz IS NULL OR (h.first_seen_at, h.user_id) > ($3::timestamptz, $4::bigint))
        ORDER BY h.first_seen_at, h.user_id
        LIMIT $5`,
      [
        contractId,
        periodStart,
        after?.firstSeen ?? null,
        after?.userId ?? null,
        limit,
        ...(live ? [b?.at ?? null, b?.userId ?? null] : []),
      ],
    );
  }

  rateLimits(): Promise<
    {
      app_id: string;
      app_name: string;
      contract_id: string;
      per_minute_limit: number | null;
      per_minute_remaining: number | null;
      seen_at: Date;
    }[]
  > {
    return this.ds.query(
      `SELECT r.app_id, a.name AS app_name, a.contract_id, r.per_minute_limit, r.per_minute_remaining, r.seen_at
         FROM app_rate_limits r JOIN apps a ON a.id = r.app_id ORDER BY a.name, r.app_id`,
    );
  }
}
