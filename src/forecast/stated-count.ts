import { multiply } from '../common/money';
import { Projection } from './projection';

/**
 * A projection and the count beside it must be one story: the per-day counts it is built from
 * are read in their own snapshot, a moment apart from the count the caller states (an import or
 * a burst of calls in between makes them differ). These make the projection the stated count's.
 */

/** The per-day counts made to add up to `count`: what is missing is today's, what is extra comes off the latest days. */
export function fitToCount(perDay: number[], count: number): number[] {
  const out = perDay.length ? [...perDay] : [0];
  let diff = count - out.reduce((s, n) => s + n, 0);
  if (diff > 0) out[out.length - 1] += diff;
  for (let i = out.length - 1; diff < 0 && i >= 0; i--) {
    const take = Math.min(out[i], -diff);
    out[i] -= take;
    diff += take;
  }
  return out;
}

/**
 * Never a projection below what is already counted: the central figure and the band's low end are
 * at least `count`, the high end at least the central figure, and the overage is recomputed from
 * the central figure so the cost and the count agree.
 */
export function agreeWithCount(p: Projection, count: number, allowance: number, overagePriceMinor: bigint): Projection {
  const uniqueHandles = Math.max(p.uniqueHandles, count);
  const overageHandles = Math.max(0, uniqueHandles - allowance);
  return {
    ...p,
    uniqueHandles,
    low: Math.min(Math.max(p.low, count), uniqueHandles),
    high: Math.max(p.high, uniqueHandles),
    overageHandles,
    overageCostMinor: multiply(overagePriceMinor, overageHandles),
    dailyCurve: p.dailyCurve.map((d) => {
      const cumulative = Math.max(d.cumulative, count);
      return {
        ...d,
        cumulative,
        low: Math.min(Math.max(d.low, count), cumulative),
        high: Math.max(d.high, cumulative),
      };
    }),
  };
}
