import { weekdayOfDay } from './period-days';

/**
 * The projection's clock. Time is measured in typical days of traffic ("activity days"): a quiet
 * Sunday may count 0.4 and a Monday 1.1. On that clock the weekly rhythm is gone and a curve of
 * first-seen handles is a smooth decay (a core that shows up in the first days, then a tail at a
 * slowly falling rate), so periods that start on different weekdays can be laid over each other
 * and extrapolated.
 */

const WEEK = 7;
/** The weekday factors start at 1 with this weight (inverse variance: a prior sd of 0.3). */
const WEEKDAY_PRIOR_PRECISION = 1 / 0.09;
/** Day-to-day noise beyond the Poisson kind, as a variance of a day's ratio to its week. */
const DAY_NOISE_VARIANCE = 0.02;
const MIN_WEEKDAY_FACTOR = 0.05;

export interface DailySeries {
  /** day number (days since 1970-01-01) of values[0] */
  firstDay: number;
  values: number[];
  /** first index whose week may be used: skips opening days that are not typical of the weekday rhythm */
  from: number;
}

/**
 * Relative traffic per weekday (Monday = 0), mean 1: each day's ratio to the 7-day average
 * centred on it (a whole week, so the trend cancels), pooled over the series with inverse-variance
 * weights (Poisson plus day noise) and shrunk towards 1 when there is little to go on.
 */
export function weekdayFactors(series: DailySeries[]): number[] {
  const num = new Array<number>(WEEK).fill(WEEKDAY_PRIOR_PRECISION);
  const den = new Array<number>(WEEK).fill(WEEKDAY_PRIOR_PRECISION);
  for (const s of series) {
    const v = s.values;
    if (v.length - s.from < WEEK) continue;
    // weekSums[k]: the 7 days from s.from + k.
    const weekSums: number[] = [];
    let window = 0;
    for (let i = s.from; i < v.length; i++) {
      window += v[i];
      if (i - s.from >= WEEK) window -= v[i - WEEK];
      if (i - s.from >= WEEK - 1) weekSums.push(window);
    }
    for (let i = s.from; i < v.length; i++) {
      // The week centred on the day, shifted to stay within the series at its ends.
      const mean = weekSums[Math.min(Math.max(0, i - s.from - 3), weekSums.length - 1)] / WEEK;
      if (mean <= 0) continue;
      const w = 1 / (1 / mean + DAY_NOISE_VARIANCE);
      const wd = weekdayOfDay(s.firstDay + i);
      num[wd] += (w * v[i]) / mean;
      den[wd] += w;
    }
  }
  const f = num.map((n, i) => n / den[i]);
  const mean = f.reduce((a, b) => a + b, 0) / WEEK;
  return f.map((x) => Math.max(MIN_WEEKDAY_FACTOR, x / mean));
}

/** Activity time at the start of each local day and at the end of the last one: length days + 1. */
export function activityClock(firstDay: number, days: number, factors: number[]): number[] {
  const bounds = new Array<number>(days + 1);
  bounds[0] = 0;
  for (let d = 0; d < days; d++) bounds[d + 1] = bounds[d] + factors[weekdayOfDay(firstDay + d)];
  return bounds;
}

export interface Interval {
  from: number;
  to: number;
  count: number;
}

/**
 * A cumulative count of first-seen handles as a function of activity time: straight lines within
 * a day. `bounds` has one more entry than `cumulative` (the first is 0). Past the last bound it
 * goes on at the rate of its last week, so a shorter past period can stand in for a longer one.
 */
export class Curve {
  private readonly tailRate: number;

  constructor(
    readonly bounds: number[],
    readonly cumulative: number[],
  ) {
    const days = cumulative.length;
    const back = Math.min(WEEK, days - 1);
    const span = back > 0 ? bounds[days] - bounds[days - back] : 0;
    this.tailRate = span > 0 ? (cumulative[days - 1] - cumulative[days - 1 - back]) / span : 0;
  }

  get end(): number {
    return this.bounds[this.bounds.length - 1];
  }

  at(tau: number): number {
    const b = this.bounds;
    const c = this.cumulative;
    const days = c.length;
    if (tau <= 0 || days === 0) return 0;
    if (tau >= b[days]) return c[days - 1] + this.tailRate * (tau - b[days]);
    let lo = 0;
    let hi = days;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (b[mid] <= tau) lo = mid;
      else hi = mid;
    }
    const before = lo === 0 ? 0 : c[lo - 1];
    const span = b[lo + 1] - b[lo];
    return before + (span > 0 ? ((c[lo] - before) * (tau - b[lo])) / span : 0);
  }

  /** The curve as it stood at `now`: what the current period looks like at this point. */
  truncated(now: number): Curve {
    const b = this.bounds;
    let d = 0;
    while (d + 1 < b.length && b[d + 1] < now) d++;
    return new Curve([...b.slice(0, d + 1), now], [...this.cumulative.slice(0, d), this.at(now)]);
  }

  /** The days up to `now` as counts over activity-time intervals (the last one cut at now). */
  intervalsUpTo(now: number): Interval[] {
    const out: Interval[] = [];
    const b = this.bounds;
    for (let d = 0; d + 1 < b.length && b[d] < now; d++) {
      const to = Math.min(b[d + 1], now);
      if (to > b[d]) out.push({ from: b[d], to, count: this.at(to) - this.at(b[d]) });
    }
    return out;
  }
}

export function cumulativeOf(counts: number[]): number[] {
  const out = new Array<number>(counts.length);
  let sum = 0;
  for (let i = 0; i < counts.length; i++) out[i] = sum += counts[i];
  return out;
}

export function incrementsOf(cumulative: number[]): number[] {
  return cumulative.map((c, i) => Math.max(0, c - (i === 0 ? 0 : cumulative[i - 1])));
}
