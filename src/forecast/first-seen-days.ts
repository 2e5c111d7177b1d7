import { Injectable, Logger } from '@nestjs/common';
import { BillingPeriod } from '../periods/billing-period';
import { CountPolicy } from '../contracts/contract.entity';
import { Bound, ForecastRepository } from './forecast.repository';
import { localDayStarts } from './period-days';

/**
 * The open period's handles per local day: one read of the ledger's per-slot aggregates (kept in
 * the write-ahead's own statement, so they add up to the counter row read in the same snapshot),
 * the same cost cold or warm and whatever the number of handles. Nothing is cached between reads.
 */
@Injectable()
export class FirstSeenDays {
  private readonly logger = new Logger('FirstSeenDays');

  constructor(private readonly repo: ForecastRepository) {}

  /** Handles counted on each local day of the open period, from its first day to today; they add up to the period's count. */
  async perDay(
    contractId: string,
    period: BillingPeriod,
    timezone: string,
    policy: CountPolicy,
    now = new Date(),
  ): Promise<number[]> {
    const starts: Bound[] = localDayStarts(period.start, period.end, timezone).map((d) => d.start);
    const today = Math.max(
      0,
      lastIndex(starts, (b) => b <= now.getTime()),
    );
    // Today's interval runs on to +infinity: a call stamped a moment after `now` counts today.
    const { total, recent } = await this.repo.countAndRecent(contractId, period.start, policy, [
      ...starts.slice(0, today + 1),
      Infinity,
    ]);
    const counts = recent;
    const sum = counts.reduce((s, n) => s + n, 0);
    if (sum !== total)
      this.logger.warn(
        `${contractId} ${period.key} ${policy}: the days (${sum}) do not add up to the count (${total})`,
      );
    return counts;
  }
}

/** The last index whose element passes, or -1. */
function lastIndex<T>(xs: T[], pass: (x: T) => boolean): number {
  let found = -1;
  xs.forEach((x, i) => {
    if (pass(x)) found = i;
  });
  return found;
}
