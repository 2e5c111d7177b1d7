import { Injectable } from '@nestjs/common';
import { BillingPeriod } from '../billing/billing-period';
import { Bound, ForecastRepository } from './forecast.repository';
import { localDayStarts } from './period-days';

/** A local day that ended this long ago no longer changes (as in FirstSeenDays). */
const SETTLE_MS = 10 * 60_000;
/** Settled days are recounted this often all the same: an import can back-date calls into them. */
const REFRESH_MS = 10 * 60_000;
const MAX_ENTRIES = 10_000;

interface Kept {
  counts: number[];
  countedAt: number;
}

/**
 * The open period's distinct handles called per local day, for the projection's repeat
 * structure. Days that have settled are counted once and kept (recounted every REFRESH_MS, for
 * imports); each read counts the days since. A per-day aggregate kept by the ledger as it writes
 * would make this one read of thirty rows.
 */
@Injectable()
export class ActiveDays {
  private readonly kept = new Map<string, Kept>();

  constructor(private readonly repo: ForecastRepository) {}

  async perDay(contractId: string, period: BillingPeriod, timezone: string, now = new Date()): Promise<number[]> {
    const bounds: Bound[] = [
      ...localDayStarts(period.start, period.end, timezone).map((d) => d.start),
      period.end.getTime(),
    ];
    const t = now.getTime();
    let today = 0;
    bounds.slice(0, -1).forEach((b, i) => {
      if (b <= t) today = i;
    });
    let settled = 0;
    while (settled < today && bounds[settled + 1] <= t - SETTLE_MS) settled++;
    const key = `${contractId}|${period.start.toISOString()}|${timezone}`;
    let k = this.kept.get(key);
    if (!k || k.counts.length > settled || Date.now() - k.countedAt > REFRESH_MS) {
      k = {
        counts:
          settled === 0 ? [] : await this.repo.activeBetween(contractId, period.start, bounds.slice(0, settled + 1)),
        countedAt: Date.now(),
      };
    } else if (k.counts.length < settled) {
      const more = await this.repo.activeBetween(contractId, period.start, bounds.slice(k.counts.length, settled + 1));
      k = { counts: [...k.counts, ...more], countedAt: k.countedAt };
    }
    if (this.kept.size >= MAX_ENTRIES && !this.kept.has(key)) this.kept.clear();
    this.kept.set(key, k);
    const recent = await this.repo.activeBetween(contractId, period.start, [
      ...bounds.slice(settled, today + 1),
      Infinity,
    ]);
    return [...k.counts, ...recent];
  }
}
