import { BillingCycle, BillingPeriod, periodContaining, previousPeriod } from '../periods/billing-period';
import { localDayStarts } from './period-days';
import { projectPeriod } from './projection';
import { agreeWithCount } from './stated-count';

const DAY_MS = 86_400_000;
/** Rounds of the made-up projection: after one V8 still interprets the fits; after eight it runs them compiled. */
const ROUNDS = 8;
/** Periods whose local days are worked out ahead (a few milliseconds each on a first read): the open ones and their history. */
const MAX_PERIODS = 260;

/**
 * Runs the projection on made-up days (a 30-day period 20 days in, with and without a past
 * period), so that the first projection a person asks for after a start runs compiled code.
 * Until V8 has run the fits' loops (repeat-structure.ts) many times it interprets them: the first
 * projection measured ~100 ms of CPU (250-400 ms on a busy 2-core machine) against ~5 ms
 * afterwards, and one round left a first real projection at 10-20 ms. The open periods' local days
 * (and with them each contract's time-zone data) are worked out here too, for the same reason.
 * Nothing a request answers is computed here: no figure is kept.
 */
export function warmUpProjection(cycles: BillingCycle[], historyPeriods: number, now = new Date()): void {
  let budget = MAX_PERIODS;
  let zone: string | undefined;
  for (const cycle of cycles) {
    try {
      let p: BillingPeriod = periodContaining(now, cycle);
      for (let i = 0; i <= historyPeriods && budget-- > 0; i++, p = previousPeriod(p, cycle))
        localDayStarts(p.start, p.end, cycle.timezone);
      zone ??= cycle.timezone;
    } catch {
      // A contract whose periods cannot be worked out (a zone this runtime no longer knows) is
      // skipped: the warm-up never stops a start, and that contract's own reads say what is wrong.
    }
  }
  const periodStart = new Date(now.getTime() - 20 * DAY_MS);
  const periodEnd = new Date(now.getTime() + 10 * DAY_MS);
  const newHandlesPerDay = Array.from({ length: 21 }, (_, d) => Math.round(1000 * Math.exp(-d / 6)) + 20);
  const activeHandlesPerDay = newHandlesPerDay.map((n, d) => n + 400 * Math.min(d, 7));
  let sum = 0;
  const past = Array.from({ length: 30 }, (_, d) => (sum += Math.round(900 * Math.exp(-d / 6)) + 15));
  for (let round = 0; round < ROUNDS; round++)
    for (const history of [[], [{ cumulativeByDay: past }]]) {
      const p = projectPeriod({
        periodStart,
        periodEnd,
        now,
        timezone: zone ?? 'Europe/Berlin',
        newHandlesPerDay,
        activeHandlesPerDay,
        history,
        allowance: 5000,
        overagePriceMinor: 25n,
      });
      agreeWithCount(p, sum, 5000, 25n);
    }
}
