import { Injectable } from '@nestjs/common';
import { BillingPeriod } from '../periods/billing-period';
import { Bound, ForecastRepository } from './forecast.repository';
import { localDayStarts } from './period-days';

/**
 * The open period's distinct handles called per local day, for the projection's repeat
 * structure: one read of the ledger's per-slot aggregates (kept as it writes, imports included),
 * the same cost cold or warm and whatever the size of the call log. Nothing is cached.
 */
@Injectable()
export class ActiveDays {
  constructor(private readonly repo: ForecastRepository) {}

  /** Handles called on each local day of the open period, from its first day to today. */
  async perDay(contractId: string, period: BillingPeriod, timezone: string, now = new Date()): Promise<number[]> {
    const starts: Bound[] = localDayStarts(period.start, period.end, timezone).map((d) => d.start);
    let today = 0;
    starts.forEach((b, i) => {
      if (b <= now.getTime()) today = i;
    });
    // Today's interval runs on to +infinity, as in FirstSeenDays.
    return this.repo.activeBetween(contractId, period.start, [...starts.slice(0, today + 1), Infinity]);
  }
}
