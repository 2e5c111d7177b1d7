import { Injectable, Logger } from '@nestjs/common';
import { BillingCycle, BillingPeriod } from '../periods/billing-period';
import { Terms } from '../contracts/terms';
import { formatMoney, Money, multiply } from '../common/money';
import { TtlCache } from '../common/ttl-cache';
import { CountPolicy } from '../contracts/contract.entity';
import { Bound, ForecastRepository, OpenDays, PastPeriodDays, ProjectionReads } from './forecast.repository';
import { localDayStarts, localDays } from './period-days';
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

/** Finishes a projection begun by `ForecastService.begin`, once the usage read has the terms and the count. */
export type PendingProjection = (terms: Terms, count: number) => Promise<ProjectionView>;

/**
 * The open period's projected month-end count, from the handles first counted per local day, the
 * handles called per day (with the first ones, those that came back) and the contract's earlier
 * periods (their statements' day counts): one read (ForecastRepository.reads).
 *
 * A projection belongs to one count: the caller states the period's count, the curve is made to
 * add up to it, and the result never lies below it. Kept 15 s per (period, terms, count): the
 * alert check, the dashboard and the API all ask, so at one count they show one projection, and
 * a jump in the count (an import) is a new key, never a stale projection beside a new count.
 * `fresh` (an alert being raised) recomputes it now and keeps that for the others.
 */
@Injectable()
export class ForecastService {
  private readonly cache = new TtlCache<string, ProjectionView>(15_000);
  /** Each contract's last projection key: a usage read whose projection is likely kept reads nothing ahead. */
  private readonly latest = new Map<string, string>();
  /** Reads in flight, shared: the dashboard's chart and the projection beside it read the same days once. */
  private readonly reading = new TtlCache<string, ProjectionReads>(0, 1_000, 0);

  private readonly logger = new Logger('ForecastService');

  constructor(private readonly repo: ForecastRepository) {}

  /** Before the service answers: the first projection after a start should cost what the others do (warm-up.ts). */
  warmUp(cycles: BillingCycle[]): void {
    warmUpProjection(cycles, HISTORY_PERIODS);
  }

  /**
   * Starts a projection before its terms and count are known, so that its read runs beside the
   * usage read's (the first read after a start pays every round trip cold: one fewer is ~20 ms).
   * Both policies' days are read, so nothing waits for the terms. Skipped when the contract's
   * last projection is still kept, as it is for a warm read at an unchanged count.
   */
  begin(
    contractId: string,
    timezone: string,
    period: BillingPeriod,
    opts: { fresh?: boolean; now?: Date } = {},
  ): PendingProjection {
    const now = opts.now ?? new Date();
    const prefix = `${contractId}|${period.start.toISOString()}|`;
    const last = this.latest.get(contractId);
    const kept = !opts.fresh && last?.startsWith(prefix) && this.cache.has(last);
    // A fresh projection (an alert being raised) reads now, not a read that began before its change.
    const read = () => this.read(contractId, timezone, period, now, !opts.fresh);
    const ahead = kept ? null : read();
    // Not awaited when the projection turns out to be kept, or when the usage read fails first.
    ahead?.catch(() => undefined);
    return (terms, count) => {
      const key = `${prefix}${terms.countPolicy}|${terms.allowance}|${terms.overagePriceMinor}|${count}`;
      this.latest.set(contractId, key);
      if (opts.fresh) this.cache.delete(key);
      return this.cache.get(key, async () => {
        const reads = await (ahead ?? read());
        return this.compute(contractId, reads, timezone, period, terms, count, now);
      });
    };
  }

  /**
   * The open period's counts per local day so far, from its first local day to today's (which runs
   * on to +infinity: a call stamped a moment after `now` counts today); the same read as a
   * projection's, shared with one in flight.
   */
  async openDays(contractId: string, timezone: string, period: BillingPeriod, now = new Date()): Promise<OpenDays> {
    return (await this.read(contractId, timezone, period, now)).open;
  }

  private read(
    contractId: string,
    timezone: string,
    period: BillingPeriod,
    now: Date,
    share = true,
  ): Promise<ProjectionReads> {
    const starts: Bound[] = localDayStarts(period.start, period.end, timezone).map((d) => d.start);
    let today = 0;
    starts.forEach((b, i) => {
      if (b <= now.getTime()) today = i;
    });
    const bounds = [...starts.slice(0, today + 1), Infinity];
    const load = () => this.repo.reads(contractId, period.start, bounds, HISTORY_PERIODS);
    return share ? this.reading.get(`${contractId}|${period.start.toISOString()}|${timezone}|${today}`, load) : load();
  }

  private compute(
    contractId: string,
    reads: ProjectionReads,
    timezone: string,
    period: BillingPeriod,
    terms: Terms,
    count: number,
    now: Date,
  ): ProjectionView {
    const { open, history } = reads;
    const perDay = open.counted[terms.countPolicy];
    const sum = perDay.reduce((s, n) => s + n, 0);
    if (sum !== open.total[terms.countPolicy])
      this.logger.warn(
        `${contractId} ${period.key} ${terms.countPolicy}: the days (${sum}) do not add up to the count (${open.total[terms.countPolicy]})`,
      );
    const model = projectPeriod({
      periodStart: period.start,
      periodEnd: period.end,
      now,
      timezone,
      newHandlesPerDay: fitToCount(perDay, count),
      activeHandlesPerDay: open.active,
      history: historyCurves(timezone, history, terms.countPolicy),
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
  }
}

/**
 * Each past period's cumulative count at the end of each of its local days, most recent first. A
 * period without a handle under the policy is left out, as when its statement was counted from
 * the frozen set and has no day counts.
 */
function historyCurves(timezone: string, past: PastPeriodDays[], policy: CountPolicy): { cumulativeByDay: number[] }[] {
  return past
    .filter((p) => p.days.some((d) => d[policy] > 0))
    .map((p) => {
      const days = localDays(p.start, p.end, timezone);
      const index = new Map(days.map((d, i) => [d, i]));
      const added = days.map(() => 0);
      for (const d of p.days) {
        const i = index.get(d.day);
        if (i !== undefined) added[i] += d[policy];
      }
      let sum = 0;
      return { cumulativeByDay: added.map((n) => (sum += n)) };
    });
}
