import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CountPolicy } from '../contracts/contract.entity';

export interface DayCount {
  /** local date in the contract's zone, YYYY-MM-DD */
  day: string;
  n: number;
}

export interface PastDayCount extends DayCount {
  period_start: Date;
  period_end: Date;
}

/** The column of period_activity holding the handles a policy counted in each slot. */
const COUNTED: Record<CountPolicy, string> = { attempted: 'first_seen', confirmed: 'confirmed' };

/** An instant (ms) or +infinity. */
export type Bound = number;

/**
 * The ledger's 15-minute slots (period_activity) within bounds; the bounds are starts of local
 * days (or +infinity), which fall on slot boundaries in every time zone, so the sums are exact.
 */
const SLOTS_IN_BOUNDS = `contract_id = $1 AND period_start = $2 AND slot >= ($3::timestamptz[])[1] AND slot < ($3::timestamptz[])[cardinality($3::timestamptz[])]`;
const BUCKET = 'width_bucket(slot, $3::timestamptz[])';

function boundParam(b: Bound): string {
  return b === Infinity ? 'infinity' : new Date(b).toISOString();
}

/** A count in width_bucket's bucket `b`. */
type BucketCountRow = { b: number; n: number };
type CountAndRecentRow = { total: number; recent: BucketCountRow[] };

/** Interval i (from bounds[i] to bounds[i + 1]) is width_bucket's bucket i + 1. */
function countsOf(rows: BucketCountRow[], intervals: number): number[] {
  const out = new Array<number>(intervals).fill(0);
  for (const r of rows) if (r.b >= 1 && r.b <= intervals) out[r.b - 1] += r.n;
  return out;
}

/** The curves a projection is built from: handles first seen (or first confirmed) per local day. */
@Injectable()
export class ForecastRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * The period's count (its counter row, as billed) and, read in the same snapshot, the handles
   * counted between consecutive instants of `bounds` (the starts of local days; the last may be
   * +infinity), one count per interval, summed from the ledger's per-slot aggregates (a few
   * thousand rows at most, whatever the number of handles).
   */
  async countAndRecent(
    contractId: string,
    periodStart: Date,
    policy: CountPolicy,
    bounds: Bound[],
  ): Promise<{ total: number; recent: number[] }> {
    const [row] = await this.ds.query<CountAndRecentRow[]>(
      `SELECT coalesce((SELECT ${policy}_handles FROM period_counters WHERE contract_id = $1 AND period_start = $2), 0) AS total,
              (SELECT coalesce(json_agg(json_build_object('b', b, 'n', n)), '[]')
                 FROM (SELECT ${BUCKET} AS b, sum(${COUNTED[policy]})::int AS n FROM period_activity WHERE ${SLOTS_IN_BOUNDS} GROUP BY 1) per_day) AS recent`,
      [contractId, periodStart, bounds.map(boundParam)],
    );
    return { total: row.total, recent: countsOf(row.recent, bounds.length - 1) };
  }

  /**
   * Distinct handles called between consecutive instants of `bounds` (starts of local days, the
   * last may be +infinity), one count per interval: the active handles of each local day, whose
   * excess over the day's first-seen ones are the handles that came back (the projection's repeat
   * structure). From the ledger's per-slot `active` (each handle's first call of each local day),
   * so one read of a few thousand rows, cold or warm; app-only calls name no handle.
   */
  async activeBetween(contractId: string, periodStart: Date, bounds: Bound[]): Promise<number[]> {
    const rows = await this.ds.query<BucketCountRow[]>(
      `SELECT ${BUCKET} AS b, sum(active)::int AS n FROM period_activity WHERE ${SLOTS_IN_BOUNDS} GROUP BY 1`,
      [contractId, periodStart, bounds.map(boundParam)],
    );
    return countsOf(rows, bounds.length - 1);
  }

  /** Closed periods before `before`, newest first (at most `limit`), from the day counts written with their statements. */
  history(contractId: string, before: Date, policy: CountPolicy, limit: number): Promise<PastDayCount[]> {
    const n = policy === 'confirmed' ? 'confirmed' : 'first_seen';
    // Days without a handle are left out, and so a period without one (as when they were counted from the frozen set).
    return this.ds.query<PastDayCount[]>(
      `WITH recent AS (
         SELECT period_start, period_end FROM statements WHERE contract_id = $1 AND period_start < $2 ORDER BY period_start DESC LIMIT $3
       )
       SELECT r.period_start, r.period_end, to_char(d.day, 'YYYY-MM-DD') AS day, d.${n} AS n
         FROM recent r JOIN statement_days d ON d.contract_id = $1 AND d.period_start = r.period_start AND d.${n} > 0`,
      [contractId, before, limit],
    );
  }
}
