import { Injectable, Logger } from '@nestjs/common';
import { BillingPeriod } from '../billing/billing-period';
import { CountPolicy } from '../contracts/contract.entity';
import { Bound, ForecastRepository } from './forecast.repository';
import { localDayStarts } from './period-days';

/**
 * A local day that ended this long ago no longer changes: the ledger stamps a handle with the
 * time its call arrived, and writes the call's outcome (its confirmation) within the upstream timeout.
 */
const SETTLE_MS = 10 * 60_000;
/** `confirmed` has no check against the counter (below): its settled days are recounted this often, in the background. */
const REFRESH_MS = 10 * 60_000;
const MAX_ENTRIES = 10_000;

interface Settled {
  /** handles counted on each of the period's first days, those that had settled */
  counts: number[];
  sum: number;
  countedAt: number;
}

interface Query {
  key: string;
  contractId: string;
  period: BillingPeriod;
  policy: CountPolicy;
  /** where each local day of the period starts; the period's end after the last */
  bounds: Bound[];
}

/**
 * The open period's handles per local day, without counting a million rows for every projection.
 *
 * Days that have settled are counted once and kept; each read counts only the handles since, from
 * the roster index, in the same snapshot as the period's counter row, and the kept days must add
 * up with them to the counter. The one way a settled day changes is an import of back-dated
 * calls: then they do not add up, and the settled days are counted again. (An import that only
 * moves an existing handle's first sighting from one settled day to another keeps the sum and
 * goes unseen: the curve is off by those handles between two past days, the count is not.)
 *
 * Under `confirmed` the handles since are the counter's confirmed count minus the settled days
 * (confirmed_at has no index to count them from), so nothing checks the kept days: they are
 * recounted in the background every REFRESH_MS. A per-day counter kept by the ledger in its
 * write-ahead transaction would make all of this one read of thirty rows.
 */
@Injectable()
export class FirstSeenDays {
  private readonly logger = new Logger('FirstSeenDays');
  private readonly settled = new Map<string, Settled>();
  private readonly counting = new Map<string, Promise<Settled>>();

  constructor(private readonly repo: ForecastRepository) {}

  /** Handles counted on each local day of the open period, from its first day to today; they add up to the period's count. */
  async perDay(contractId: string, period: BillingPeriod, timezone: string, policy: CountPolicy, now = new Date()): Promise<number[]> {
    const bounds: Bound[] = [...localDayStarts(period.start, period.end, timezone).map((d) => d.start), period.end.getTime()];
    const q: Query = { key: `${contractId}|${period.start.toISOString()}|${timezone}|${policy}`, contractId, period, policy, bounds };
    const t = now.getTime();
    const today = Math.max(0, lastIndex(bounds.slice(0, -1), (b) => b <= t));
    // Days whose end is SETTLE_MS behind: at most today, usually today or yesterday.
    const settledDays = Math.min(today, lastIndex(bounds, (b) => b <= t - SETTLE_MS));
    for (let attempt = 0; ; attempt++) {
      const kept = await this.kept(q, Math.max(0, settledDays), attempt > 0);
      const k = kept.counts.length;
      const { total, recent } = await this.repo.countAndRecent(contractId, period.start, policy, [...bounds.slice(k, today + 1), Infinity]);
      const since = recent ? recent.reduce((s, n) => s + n, 0) : total - kept.sum;
      const adds = since >= 0 && kept.sum + since === total;
      if (!adds && attempt === 0) continue;
      if (!adds) this.logger.warn(`${q.key}: settled days (${kept.sum}) and the handles since (${since}) do not add up to the count (${total}) after recounting`);
      // Under `confirmed` the handles since are today's (at worst the last few minutes of yesterday's belong to it).
      return [...kept.counts, ...(recent ?? [...new Array<number>(today - k).fill(0), Math.max(0, since)])];
    }
  }

  /** The counts of the first `days` days: kept, extended by the days settled since, or counted afresh. */
  private async kept(q: Query, days: number, recount: boolean): Promise<Settled> {
    let s = this.settled.get(q.key);
    if (!s || recount || days < s.counts.length) {
      s = await this.count(q, days);
    } else if (days > s.counts.length) {
      const more = await this.repo.handlesBetween(q.contractId, q.period.start, q.policy, q.bounds.slice(s.counts.length, days + 1));
      s = { ...s, counts: [...s.counts, ...more], sum: s.sum + more.reduce((t, n) => t + n, 0) };
    } else if (q.policy === 'confirmed' && Date.now() - s.countedAt > REFRESH_MS) {
      void this.count(q, days).catch((e: Error) => this.logger.warn(`${q.key}: recounting the settled days failed: ${e.message}`));
    }
    if (this.settled.size >= MAX_ENTRIES && !this.settled.has(q.key)) this.settled.clear();
    this.settled.set(q.key, s);
    return s;
  }

  /** Counts the first `days` days afresh; concurrent readers of one period share the count. */
  private count(q: Query, days: number): Promise<Settled> {
    const inFlight = this.counting.get(q.key);
    if (inFlight) return inFlight;
    const countedAt = Date.now();
    const p = (days === 0 ? Promise.resolve([]) : this.repo.handlesBetween(q.contractId, q.period.start, q.policy, q.bounds.slice(0, days + 1)))
      .then((counts): Settled => {
        const s = { counts, sum: counts.reduce((t, n) => t + n, 0), countedAt };
        const cur = this.settled.get(q.key);
        if (!cur || cur.counts.length <= days) this.settled.set(q.key, s);
        return s;
      })
      .finally(() => this.counting.delete(q.key));
    this.counting.set(q.key, p);
    return p;
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
