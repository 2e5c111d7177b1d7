import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { BillingPeriod } from '../billing/billing-period';
import { Terms } from '../billing/figures';
import { formatMoney, Money } from '../common/money';
import { TtlCache } from '../common/ttl-cache';
import { DailyCount, ForecastRepository } from './forecast.repository';
import { projectPeriod, Projection } from './projection';

/** Earlier periods used for the shape of a month. */
const HISTORY_PERIODS = 12;

export interface ProjectionView {
  uniqueHandles: number;
  low: number;
  high: number;
  overageHandles: number;
  overageCost: Money;
  exceedsAllowanceOn: string | null;
  method: string;
  confidence: Projection['confidence'];
  dailyCurve: Projection['dailyCurve'];
}

/**
 * The open period's projected month-end count, from the curve of first-seen handles per local
 * day and the contract's earlier periods. Computed at most every 15 s per period: it reads the
 * whole period's curve, and a projection a few seconds old is as good.
 */
@Injectable()
export class ForecastService {
  private readonly cache = new TtlCache<string, ProjectionView>(15_000);

  constructor(private readonly repo: ForecastRepository) {}

  project(contractId: string, timezone: string, period: BillingPeriod, terms: Terms, now = new Date()): Promise<ProjectionView> {
    return this.cache.get(`${contractId}|${period.start.toISOString()}|${terms.countPolicy}|${terms.allowance}|${terms.overagePriceMinor}`, async () => {
      const days = localDays(period.start, period.end, timezone);
      const today = Math.max(0, days.indexOf(DateTime.fromJSDate(now, { zone: timezone }).toISODate()!));
      const [current, past] = await Promise.all([
        this.repo.newHandlesPerDay(contractId, period.start, timezone, terms.countPolicy),
        this.repo.history(contractId, period.start, timezone, terms.countPolicy, HISTORY_PERIODS),
      ]);
      const p = projectPeriod({
        periodStart: period.start,
        periodEnd: period.end,
        now,
        timezone,
        newHandlesPerDay: perDay(current, days).slice(0, today + 1),
        history: await this.history(contractId, timezone, past),
        allowance: terms.allowance,
        overagePriceMinor: terms.overagePriceMinor,
      });
      return {
        uniqueHandles: p.uniqueHandles,
        low: p.low,
        high: p.high,
        overageHandles: p.overageHandles,
        overageCost: formatMoney(p.overageCostMinor, terms.currency),
        exceedsAllowanceOn: p.exceedsAllowanceOn,
        method: p.method,
        confidence: p.confidence,
        dailyCurve: p.dailyCurve,
      };
    });
  }

  private async history(contractId: string, timezone: string, rows: DailyCount[]) {
    const starts = [...new Set(rows.map((r) => r.period_start.getTime()))].map((t) => new Date(t));
    if (!starts.length) return [];
    const ends = new Map((await this.repo.periodEnds(contractId, starts)).map((r) => [r.period_start.getTime(), r.period_end]));
    return starts
      .sort((a, b) => b.getTime() - a.getTime())
      .map((start) => {
        const days = localDays(start, ends.get(start.getTime())!, timezone);
        let sum = 0;
        return { cumulativeByDay: perDay(rows.filter((r) => r.period_start.getTime() === start.getTime()), days).map((n) => (sum += n)) };
      });
  }
}

/** The local dates a period covers, in order. */
export function localDays(start: Date, end: Date, timezone: string): string[] {
  const last = DateTime.fromJSDate(new Date(end.getTime() - 1), { zone: timezone }).startOf('day');
  const out: string[] = [];
  for (let d = DateTime.fromJSDate(start, { zone: timezone }).startOf('day'); d <= last; d = d.plus({ days: 1 })) out.push(d.toISODate()!);
  return out;
}

function perDay(rows: DailyCount[], days: string[]): number[] {
  const index = new Map(days.map((d, i) => [d, i]));
  const out = days.map(() => 0);
  for (const r of rows) {
    const i = index.get(r.day);
    if (i !== undefined) out[i] += r.n;
  }
  return out;
}
