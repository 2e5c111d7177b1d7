import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CountPolicy } from '../contracts/contract.entity';
import { COUNTED, NO_APP, OverageBoundary } from './counting-order';

export interface AppActivity {
  appId: string;
  calls: number;
  handles: number;
  /** handles first counted by this app's call, under the policy asked for */
  counted: number;
}

type AppActivityRow = { app_id: string; calls: string; handles: number; counted: number };
type SlotReachingRow = { slot: Date; before: number };
/** A handle's place in counting order: its counted-at as text (exact to the microsecond) and user ID. */
type BoundaryHandleRow = { at: string; user_id: string };
type AppCountRow = { app_id: string; n: number };

/**
 * Reads of the ledger's aggregates (period_activity, kept by ledger_count_calls and the other
 * ledger statements as they write): a period's figures per app and per 15-minute slot, a few
 * thousand rows at most, instead of its handle set or its call log.
 */
@Injectable()
export class AggregatesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async perApp(contractId: string, periodStart: Date, policy: CountPolicy, m?: EntityManager): Promise<AppActivity[]> {
    const rows = await (m ?? this.ds).query<AppActivityRow[]>(
      `SELECT app_id, sum(calls)::text AS calls, sum(handles)::int AS handles, sum(${COUNTED[policy].slotColumn})::int AS counted
         FROM period_activity WHERE contract_id = $1 AND period_start = $2 GROUP BY app_id`,
      [contractId, periodStart],
    );
    return rows.map((r) => ({ appId: r.app_id, calls: Number(r.calls), handles: r.handles, counted: r.counted }));
  }

  /**
   * The first 15-minute slot by whose end `allowance` handles were counted, and how many were
   * counted before it; null when the period has not counted that many. Summed in the database:
   * a period's slots are a few thousand rows, and only this one is needed.
   */
  async slotReaching(
    contractId: string,
    periodStart: Date,
    policy: CountPolicy,
    allowance: number,
    m?: EntityManager,
  ): Promise<{ slot: Date; before: number } | null> {
    const [row] = await (m ?? this.ds).query<SlotReachingRow[]>(
      `SELECT slot, (running - n)::int AS before FROM (
         SELECT slot, n, sum(n) OVER (ORDER BY slot) AS running FROM (
           SELECT slot, sum(${COUNTED[policy].slotColumn}) AS n FROM period_activity
            WHERE contract_id = $1 AND period_start = $2 GROUP BY slot HAVING sum(${COUNTED[policy].slotColumn}) <> 0
         ) per_slot
       ) cumulative
       WHERE running >= $3 ORDER BY slot LIMIT 1`,
      [contractId, periodStart, allowance],
    );
    return row ?? null;
  }

  /** The `offset`-th handle (from 0) counted within the 15-minute slot, in counting order; null when there is none. */
  async handleInSlot(
    contractId: string,
    periodStart: Date,
    policy: CountPolicy,
    slot: Date,
    offset: number,
    m?: EntityManager,
  ): Promise<{ at: string; userId: string } | null> {
    const c = COUNTED[policy];
    const [row] = await (m ?? this.ds).query<BoundaryHandleRow[]>(
      `SELECT ${c.at}::text AS at, user_id::text FROM period_handles
        WHERE contract_id = $1 AND period_start = $2 AND ${c.at} >= $3 AND ${c.at} < $3::timestamptz + interval '15 minutes'
        ORDER BY ${c.at}, user_id OFFSET $4 LIMIT 1`,
      [contractId, periodStart, slot, offset],
    );
    return row ? { at: row.at, userId: row.user_id } : null;
  }

  /** Handles counted per app after a boundary inside the period (the app whose call counted them). */
  async overagePerAppAfter(
    contractId: string,
    periodStart: Date,
    policy: CountPolicy,
    b: Extract<OverageBoundary, { kind: 'after' }>,
    m?: EntityManager,
  ): Promise<Map<string, number>> {
    const c = COUNTED[policy];
    const rows = await (m ?? this.ds).query<AppCountRow[]>(
      `SELECT app_id, sum(n)::int AS n FROM (
         SELECT app_id, ${c.slotColumn} AS n FROM period_activity WHERE contract_id = $1 AND period_start = $2 AND slot > $3
         UNION ALL
         SELECT coalesce(${c.app}, '${NO_APP}'), count(*) FROM period_handles
          WHERE contract_id = $1 AND period_start = $2 AND ${c.at} >= $3 AND ${c.at} < $3::timestamptz + interval '15 minutes'
            AND (${c.at}, user_id) > ($4::timestamptz, $5::bigint)
          GROUP BY 1
       ) x GROUP BY app_id`,
      [contractId, periodStart, b.slot, b.at, b.userId],
    );
    return new Map(rows.filter((r) => r.n !== 0).map((r) => [r.app_id, r.n]));
  }
}
