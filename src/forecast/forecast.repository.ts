import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CountPolicy } from '../contracts/contract.entity';

/** An instant (ms) or +infinity. */
export type Bound = number;

/** Counts per local day, one array per column, in the order of the bounds' intervals. */
export interface OpenDays {
  /** each policy's count as billed (its counter row), read in the same snapshot as the days */
  total: Record<CountPolicy, number>;
  /** handles first counted on each day, per policy: they add up to `total` */
  counted: Record<CountPolicy, number[]>;
  /** distinct handles called on each day (those that came back included) */
  active: number[];
}

export interface PastPeriodDays {
  start: Date;
  end: Date;
  /** local date (YYYY-MM-DD) and each policy's handles first counted on it; days without one are left out */
  days: { day: string; attempted: number; confirmed: number }[];
}

export interface ProjectionReads {
  open: OpenDays;
  /** closed periods before the open one, newest first */
  history: PastPeriodDays[];
}

/**
 * The ledger's 15-minute slots (period_activity) within bounds; the bounds are starts of local
 * days (or +infinity), which fall on slot boundaries in every time zone, so the sums are exact.
 */
const SLOTS_IN_BOUNDS = `contract_id = $1 AND period_start = $2 AND slot >= ($3::timestamptz[])[1] AND slot < ($3::timestamptz[])[cardinality($3::timestamptz[])]`;

function boundParam(b: Bound): string {
  return b === Infinity ? 'infinity' : new Date(b).toISOString();
}

type Row = {
  attempted: number;
  confirmed: number;
  /** [width_bucket's bucket, first_seen, confirmed, active] */
  days: [number, number, number, number][];
  /** [period_start ms, period_end ms, day, first_seen, confirmed], newest period first */
  history: [string, string, string, number, number][];
};

/** The data a projection is built from, in one statement: see `reads`. */
@Injectable()
export class ForecastRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * The open period's counts per interval of `bounds` (the starts of its local days, the last may
   * be +infinity) and the day counts of the `historyLimit` closed periods before it, both
   * policies at once. One statement, one round trip: the first read after a start pays each
   * statement's plan and each round trip cold, so the projection costs one of each, started
   * beside the usage read's own (PeriodsService.view). Sums of the ledger's per-slot aggregates
   * and of the statements' day counts: a few thousand rows at most, whatever the number of handles.
   */
  async reads(contractId: string, periodStart: Date, bounds: Bound[], historyLimit: number): Promise<ProjectionReads> {
    const [row] = await this.ds.query<Row[]>(
      `SELECT coalesce(c.attempted_handles, 0) AS attempted, coalesce(c.confirmed_handles, 0) AS confirmed,
              (SELECT coalesce(json_agg(json_build_array(b, f, k, a)), '[]')
                 FROM (SELECT width_bucket(slot, $3::timestamptz[]) AS b, sum(first_seen)::int AS f,
                              sum(confirmed)::int AS k, sum(active)::int AS a
                         FROM period_activity WHERE ${SLOTS_IN_BOUNDS} GROUP BY 1) d) AS days,
              (SELECT coalesce(json_agg(json_build_array(
                        (extract(epoch FROM r.period_start) * 1000)::bigint::text,
                        (extract(epoch FROM r.period_end) * 1000)::bigint::text,
                        to_char(sd.day, 'YYYY-MM-DD'), sd.first_seen, sd.confirmed) ORDER BY r.period_start DESC), '[]')
                 FROM (SELECT period_start, period_end FROM statements WHERE contract_id = $1 AND period_start < $2
                        ORDER BY period_start DESC LIMIT $4) r
                 JOIN statement_days sd ON sd.contract_id = $1 AND sd.period_start = r.period_start
                                       AND (sd.first_seen > 0 OR sd.confirmed > 0)) AS history
         FROM (SELECT 1) one
         LEFT JOIN period_counters c ON c.contract_id = $1 AND c.period_start = $2`,
      [contractId, periodStart, bounds.map(boundParam), historyLimit],
    );
    const intervals = bounds.length - 1;
    const column = () => new Array<number>(intervals).fill(0);
    const open: OpenDays = {
      total: { attempted: row.attempted, confirmed: row.confirmed },
      counted: { attempted: column(), confirmed: column() },
      active: column(),
    };
    // Interval i (from bounds[i] to bounds[i + 1]) is width_bucket's bucket i + 1.
    for (const [b, f, k, a] of row.days) {
      if (b < 1 || b > intervals) continue;
      open.counted.attempted[b - 1] += f;
      open.counted.confirmed[b - 1] += k;
      open.active[b - 1] += a;
    }
    const history: PastPeriodDays[] = [];
    for (const [start, end, day, attempted, confirmed] of row.history) {
      let p = history[history.length - 1];
      if (p?.start.getTime() !== Number(start)) {
        p = { start: new Date(Number(start)), end: new Date(Number(end)), days: [] };
        history.push(p);
      }
      p.days.push({ day, attempted, confirmed });
    }
    return { open, history };
  }
}
