import { DateTime } from 'luxon';
import { BillingCycle, BillingPeriod, nextPeriod, periodByKey } from '../../src/billing/billing-period';

/**
 * Synthetic Engagement API traffic for the projection backtest: per contract, month after month,
 * the handles first seen on each local day of the billing period and the calls made each day.
 *
 * Each contract has three kinds of handle, in proportions that vary from contract to contract:
 *   core     used almost every working day (a stable set that appears in the first days);
 *   regular  used now and then (a few times a month: they keep trickling in);
 *   one-off  the long tail, seen on one or two days of the month (arrive at a steady rate).
 * On top of that: a weekday profile with quieter weekends (how much quieter varies), public
 * holidays, day-to-day noise, month-to-month growth with its own noise per kind of handle (so the
 * shape of the month drifts), members who join the core mid-month, and now and then a campaign
 * that brings a burst of one-off handles. Everything comes from one seeded PRNG: same seed, same
 * traffic.
 */

export interface SimPeriod {
  key: string;
  start: Date;
  end: Date;
  /** the instant each local day starts, and the period's end: length = days + 1 */
  dayStarts: number[];
  newHandlesPerDay: number[];
  callsPerDay: number[];
  /** cumulative unique handles at the end of each local day */
  cumulativeByDay: number[];
  final: number;
}

export interface SimContract {
  id: number;
  timezone: string;
  billingDay: number;
  allowance: number;
  overagePriceMinor: bigint;
  periods: SimPeriod[];
}

export interface Rng {
  (): number;
}

/** sfc32: small, fast, and good enough for simulation. */
export function seededRng(seed: number): Rng {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88 ^ (seed * 31);
  let c = 0xb7e15162 ^ (seed * 17);
  let d = 1;
  const next = (): number => {
    a |= 0; b |= 0; c |= 0; d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

const uniform = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng();
function normal(rng: Rng): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}
function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 40) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(rng)));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng();
  while (p > limit) {
    k++;
    p *= rng();
  }
  return k;
}
/** A day index drawn with probability proportional to `weights` (cumulative weights given). */
function pick(rng: Rng, cumulative: number[]): number {
  const x = rng() * cumulative[cumulative.length - 1];
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'Australia/Sydney', 'America/Los_Angeles'];

interface ContractTraits {
  /** handles in the first month, all kinds (lognormal: median 250, from 15 to 6000) */
  size: number;
  coreShare: number;
  regularShare: number;
  oneOffShare: number;
  /** a core handle's chance of being used on a typical working day */
  coreUse: number;
  /** a regular handle's daily chance is drawn from this range */
  regularUse: [number, number];
  /** weekend traffic relative to a weekday (also a holiday's) */
  weekend: number;
  /** Monday..Sunday */
  weekdayProfile: number[];
  /** sd of the log of each day's activity */
  dayNoise: number;
  /** month-on-month growth of every kind of handle */
  growth: number;
  /** sd of each kind's own month-to-month drift (a random walk): the shape of the month changes */
  monthNoise: number;
  /** share of core and regular handles that join on a random day of the month */
  joiners: number;
  callsPerActive: number;
}

function contractTraits(rng: Rng): ContractTraits {
  const weekend = uniform(rng, 0.15, 0.9);
  const coreShare = uniform(rng, 0.15, 0.6);
  const regularShare = uniform(rng, 0.1, 0.35);
  const profile = [1.08, 1, 1, 1, 0.92].map((w) => w * Math.exp(0.05 * normal(rng)));
  return {
    size: Math.min(6000, Math.max(15, Math.exp(Math.log(250) + 0.9 * normal(rng)))),
    coreShare,
    regularShare,
    oneOffShare: Math.max(0.05, 1 - coreShare - regularShare),
    coreUse: uniform(rng, 0.55, 0.95),
    regularUse: [uniform(rng, 0.02, 0.06), uniform(rng, 0.1, 0.3)],
    weekend,
    weekdayProfile: [...profile, weekend * uniform(rng, 0.9, 1.1), weekend * uniform(rng, 0.8, 1)],
    dayNoise: uniform(rng, 0.05, 0.25),
    growth: 0.03 + 0.04 * normal(rng),
    monthNoise: uniform(rng, 0.02, 0.1),
    joiners: uniform(rng, 0.02, 0.1),
    callsPerActive: uniform(rng, 2, 30),
  };
}

function localDayStarts(period: BillingPeriod): number[] {
  const starts: number[] = [];
  let day = DateTime.fromJSDate(period.start, { zone: period.timezone }).startOf('day');
  while (day.toMillis() < period.end.getTime()) {
    starts.push(Math.max(day.toMillis(), period.start.getTime()));
    day = day.plus({ days: 1 }).startOf('day');
  }
  starts.push(period.end.getTime());
  return starts;
}

/** Monday = 0 ... Sunday = 6, of a local day. */
function weekdayOf(instant: number, timezone: string): number {
  return DateTime.fromMillis(instant, { zone: timezone }).weekday - 1;
}

function simulatePeriod(rng: Rng, t: ContractTraits, period: BillingPeriod, month: number, drift: number[]): SimPeriod {
  const dayStarts = localDayStarts(period);
  const days = dayStarts.length - 1;
  // How busy each day is: weekday profile, a public holiday now and then, noise.
  const activity: number[] = [];
  for (let d = 0; d < days; d++) {
    const wd = weekdayOf(dayStarts[d] + 3_600_000 * 12, period.timezone);
    const holiday = wd < 5 && rng() < 0.02;
    activity.push((holiday ? t.weekend : t.weekdayProfile[wd]) * Math.exp(t.dayNoise * normal(rng)));
  }
  const cumulativeActivity: number[] = [];
  activity.reduce((sum, a, i) => (cumulativeActivity[i] = sum + a), 0);

  const scale = t.size * Math.pow(1 + t.growth, month);
  const newPerDay = new Array<number>(days).fill(0);
  let expectedActive = new Array<number>(days).fill(0);

  // Core and regular handles: each day they may be used; the first use is what counts.
  const kinds: { count: number; use: () => number }[] = [
    { count: Math.round(scale * t.coreShare * drift[0]), use: () => Math.min(0.99, t.coreUse + 0.08 * normal(rng)) },
    { count: Math.round(scale * t.regularShare * drift[1]), use: () => uniform(rng, t.regularUse[0], t.regularUse[1]) },
  ];
  for (const kind of kinds) {
    for (let h = 0; h < kind.count; h++) {
      const p = Math.max(0.005, kind.use());
      const from = rng() < t.joiners ? Math.floor(rng() * days) : 0;
      let seen = false;
      for (let d = from; d < days; d++) {
        const q = Math.min(1, p * activity[d]);
        expectedActive[d] += q;
        if (!seen && rng() < q) {
          newPerDay[d]++;
          seen = true;
        }
      }
    }
  }
  // One-off handles: one or two days of the month, drawn by how busy the days are.
  const oneOffs = poisson(rng, scale * t.oneOffShare * drift[2]);
  for (let h = 0; h < oneOffs; h++) {
    const first = pick(rng, cumulativeActivity);
    newPerDay[first]++;
    expectedActive[first]++;
    if (rng() < 0.3) expectedActive[pick(rng, cumulativeActivity)]++;
  }
  // A campaign: a burst of one-off handles over one to three days.
  if (rng() < 0.1) {
    const from = Math.floor(rng() * days);
    const span = 1 + Math.floor(rng() * 3);
    const burst = poisson(rng, scale * t.oneOffShare * uniform(rng, 0.1, 0.5));
    for (let h = 0; h < burst; h++) {
      const d = Math.min(days - 1, from + Math.floor(rng() * span));
      newPerDay[d]++;
      expectedActive[d]++;
    }
  }
  expectedActive = expectedActive.map((a) => a * t.callsPerActive);
  const callsPerDay = expectedActive.map((mean) => poisson(rng, mean));
  const cumulativeByDay: number[] = [];
  newPerDay.reduce((sum, n, i) => (cumulativeByDay[i] = sum + n), 0);
  return {
    key: period.key,
    start: period.start,
    end: period.end,
    dayStarts,
    newHandlesPerDay: newPerDay,
    callsPerDay,
    cumulativeByDay,
    final: cumulativeByDay[days - 1],
  };
}

export function simulateContracts(seed: number, contracts: number, months: number, firstKey = '2025-01'): SimContract[] {
  const rng = seededRng(seed);
  const out: SimContract[] = [];
  for (let id = 0; id < contracts; id++) {
    const t = contractTraits(rng);
    const cycle: BillingCycle = { timezone: ZONES[Math.floor(rng() * ZONES.length)], billingDay: 1 + Math.floor(rng() * 28) };
    let period = periodByKey(firstKey, cycle);
    // Each kind of handle drifts on its own from month to month: the month's shape is not fixed.
    const drift = [1, 1, 1];
    const periods: SimPeriod[] = [];
    for (let m = 0; m < months; m++) {
      for (let k = 0; k < 3; k++) drift[k] *= Math.exp(t.monthNoise * normal(rng));
      periods.push(simulatePeriod(rng, t, period, m, drift));
      period = nextPeriod(period, cycle);
    }
    out.push({
      id,
      timezone: cycle.timezone,
      billingDay: cycle.billingDay,
      allowance: Math.round(t.size * uniform(rng, 0.7, 1.4)),
      overagePriceMinor: BigInt(100 * (5 + Math.floor(rng() * 20))),
      periods,
    });
  }
  return out;
}
