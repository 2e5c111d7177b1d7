import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { BillingPeriod } from '../periods/billing-period';
import { Terms } from '../contracts/terms';
import { formatMoney, Money, multiply } from '../common/money';
import { TtlCache } from '../common/ttl-cache';
import { ActiveDays } from './active-days';
import { FirstSeenDays } from './first-seen-days';
import { DayCount, ForecastRepository, PastDayCount } from './forecast.repository';
import { localDays } from './period-days';
import { projectPeriod, Projection } from './projection';
import { agreeWithCount, fitToCount } from './stated-count';
import { warmUpProjection } from './warm-up';

/** Earlier periods used for the shape of a month. */
const HISTORY_PERIODS = 12;

/** A projection as the API answers it; the alerts' messages and the dashboard's contract page read this same type. */
export interface ProjectionView {
  uniqueHandles: number;
  low: number;
  high: number;
  overageHandles: number;
  overageCost: Money;
  /** the overage cost at the band's low and high ends: what finance should budget for */
  overageCostRange: { low: Money; high: Money };
  exceedsAllowanceOn: string | null;
  method: string;
  confidence: Projection['confidence'];
  dailyCurve: Projection['dailyCurve'];
}

/**
 * The open period's projected month-end count, from the curve of first-seen handles per local
 * day (FirstSeenDays), the handles called per day (ActiveDays: with the first ones, those that
 * came back) and the contract's earlier periods (their statements' day counts).
 *
 * A projection belongs to one count: the caller states the period's count, the curve is made to
 * add up to it, and the result never lies below it. Kept 15 s per (period, terms, count): the
 * alert check, the dashboard and the API all ask, so at one count they show one projection, and
 * a jump in the count (an import) is a new key, never a stale projection beside a new count.
 * `fresh` (an alert being raised) recomputes it now and keeps that for the others.
 */
@Injectable()
export class ForecastService implements OnApplicationBootstrap {
  private readonly cache = new TtlCache<string, ProjectionView>(15_000);

  constructor(
    private readonly repo: ForecastRepository,
    private readonly firstSeen: FirstSeenDays,
    private readonly active: ActiveDays,
  ) {}

  /** Before the service answers: the first projection after a start should cost what the others do. */
  onApplicationBootstrap(): void {
    warmUpProjection();
  }

  project(
    contractId: string,
    timezone: string,
    period: BillingPeriod,
    terms: Terms,
    count: number,
    opts: { fresh?: boolean; now?: Date } = {},
  ): Promise<ProjectionView> {
    const now = opts.now ?? new Date();
    const key = `${contractId}|${period.start.toISOString()}|${terms.countPolicy}|${terms.allowance}|${terms.overagePriceMinor}|${count}`;
    if (opts.fresh) this.cache.delete(key);
    return this.cache.get(key, async () => {
      const [perDay, active, past] = await Promise.all([
        this.firstSeen.perDay(contractId, period, timezone, terms.countPolicy, now),
        this.active.perDay(contractId, period, timezone, now),
        this.repo.history(contractId, period.start, terms.countPolicy, HISTORY_PERIODS),
      ]);
      const current = fitToCount(perDay, count);
      const model = projectPeriod({
        periodStart: period.start,
        periodEnd: period.end,
        now,
        timezone,
        newHandlesPerDay: current,
        activeHandlesPerDay: active,
        history: historyCurves(timezone, past),
        allowance: terms.allowance,
        overagePriceMinor: terms.overagePriceMinor,
      });
      const p = agreeWithCount(model, count, terms.allowance, terms.overagePriceMinor);
      return {
        uniqueHandles: p.uniqueHandles,
        low: p.low,
        high: p.high,
        overageHandles: p.overageHandles,
        overageCost: formatMoney(p.overageCostMinor, terms.currency),
        overageCostRange: {
          low: formatMoney(multiply(terms.overagePriceMinor, Math.max(0, p.low - terms.allowance)), terms.currency),
          high: formatMoney(multiply(terms.overagePriceMinor, Math.max(0, p.high - terms.allowance)), terms.currency),
        },
        exceedsAllowanceOn: p.exceedsAllowanceOn,
        method: p.method,
        confidence: p.confidence,
        dailyCurve: p.dailyCurve,
      };
    });
  }
}

/** Each past period's cumulative count at the end of each of its local days, most recent first. */
function historyCurves(timezone: string, rows: PastDayCount[]): { cumulativeByDay: number[] }[] {
  const periods = new Map<number, { end: Date; rows: PastDayCount[] }>();
  for (const r of rows) {
    const t = r.period_start.getTime();
    if (!periods.has(t)) periods.set(t, { end: r.period_end, rows: [] });
    periods.get(t)!.rows.push(r);
  }
  return [...periods]
    .sort(([a], [b]) => b - a)
    .map(([start, p]) => {
      let sum = 0;
      return { cumulativeByDay: perDay(p.rows, localDays(new Date(start), p.end, timezone)).map((n) => (sum += n)) };
    });
}

function perDay(rows: DayCount[], days: string[]): number[] {
  const index = new Map(days.map((d, i) => [d, i]));
  const out = days.map(() => 0);
  for (const r of rows) {
    const i = index.get(r.day);
    if (i !== undefined) out[i] += r.n;
  }
  return out;
}
