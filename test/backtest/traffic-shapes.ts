import { DateTime } from 'luxon';
import { BillingCycle, BillingPeriod, nextPeriod, periodByKey } from '../../src/periods/billing-period';

/**
 * Synthetic traffic for the projection backtest, handle by handle: each handle has a way of being
 * called (its cadence), and a period's figures are what the ledger would record from the calls:
 * per local day the handles first seen, the handles active (seen again or for the first time)
 * and the calls. The generator knows nothing of the model; its vocabulary is deliberately not the
 * model's (fixed weekdays with skipped weeks, a fixed day of the month, bursts, joiners, churn).
 *
 * Cadences:
 *   core        called on most working days (a daily chance of 50-95%, scaled by the day's traffic)
 *   weekly      on one fixed weekday; a week skipped now and then, and most holidays
 *   biweekly    on one fixed weekday of every other week
 *   monthly     once a period, on a fixed day of it (skipped now and then)
 *   occasional  a random few days a period (Poisson, 0.03-0.3 calls a day)
 *   one-off     a day or two of one period, then gone
 *
 * Shapes (each contract draws its own proportions, size, weekday profile, zone and billing day):
 *   cadence     mostly weekly/biweekly/monthly handles, ~90% of them back from the month before
 *   growth      the population grows 5-15% a month, the newcomers joining on any day of the month
 *   churn       70-90% of last month's handles are gone, replaced by others (few returning handles)
 *   campaign    a steady contract with a one-off burst of new handles (20-60% of a month's count)
 *               over 1-3 days, starting on day 1-9 of the period: a burst after the day of reading
 *               cannot be foreseen by any model, so the shape measures whether one is mistaken
 *               for a rate
 *   onboarding  the contract starts on day 4-12 of its period with an import of the first days'
 *               calls: nothing is projected before, then the first days arrive all at once
 */

export type ShapeName = 'cadence' | 'growth' | 'churn' | 'campaign' | 'onboarding';
export const SHAPES: ShapeName[] = ['cadence', 'growth', 'churn', 'campaign', 'onboarding'];

export interface SimPeriod {
  start: Date;
  end: Date;
  /** the instant each local day starts, and the period's end: length = days + 1 */
  dayStarts: number[];
  newHandlesPerDay: number[];
  /** distinct handles with a call that day (first seen that day or before) */
  activeHandlesPerDay: number[];
  callsPerDay: number[];
  /** cumulative unique handles at the end of each local day */
  cumulativeByDay: number[];
  final: number;
  /** the first local day a projection is made (the onboarding day; 1 otherwise) */
  firstReadDay: number;
}

export interface SimContract {
  shape: ShapeName;
  timezone: string;
  allowance: number;
  overagePriceMinor: bigint;
  periods: SimPeriod[];
}

export type Rng = () => number;

/** sfc32: small, fast, and good enough for simulation. */
export function seededRng(seed: number): Rng {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88 ^ (seed * 31);
  let c = 0xb7e15162 ^ (seed * 17);
  let d = 1;
  const next = (): number => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
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
/** An index drawn with probability proportional to weights. */
function pick(rng: Rng, weights: number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = rng() * total;
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i];
    if (x < 0) return i;
  }
  return weights.length - 1;
}

const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'Australia/Sydney', 'America/Los_Angeles'];
type Cadence = 'core' | 'weekly' | 'biweekly' | 'monthly' | 'occasional' | 'oneoff';
const CADENCES: Cadence[] = ['core', 'weekly', 'biweekly', 'monthly', 'occasional', 'oneoff'];

interface Handle {
  cadence: Cadence;
  /** core: daily chance; occasional: calls per day */
  rate: number;
  weekday: number;
  parity: number;
  /** monthly: where in the period (0..1) */
  monthAt: number;
  skip: number;
  /** absolute day number from which the handle is called (joiners) */
  from: number;
}

interface Traits {
  mix: number[];
  size: number;
  retention: number;
  growth: number;
  /** sd of the month-to-month change of the population's size */
  levelNoise: number;
  weekdayProfile: number[];
  dayNoise: number;
  callsPerActive: number;
}

function traits(rng: Rng, shape: ShapeName): Traits {
  const weekend = uniform(rng, 0.1, 0.9);
  const profile = [1.08, 1, 1, 1, 0.92].map((w) => w * Math.exp(0.05 * normal(rng)));
  const jitter = (xs: number[]): number[] => xs.map((x) => x * Math.exp(0.3 * normal(rng)));
  const mixes: Record<ShapeName, number[]> = {
    //           core  weekly biweekly monthly occasional one-off
    cadence: [0.05, 0.4, 0.25, 0.22, 0.05, 0.03],
    growth: [0.25, 0.15, 0.1, 0.1, 0.2, 0.2],
    churn: [0.2, 0.15, 0.1, 0.1, 0.2, 0.25],
    campaign: [0.25, 0.2, 0.1, 0.1, 0.2, 0.15],
    onboarding: [0.15, 0.3, 0.15, 0.15, 0.15, 0.1],
  };
  return {
    mix: jitter(mixes[shape]),
    size: Math.min(5000, Math.max(40, Math.exp(Math.log(300) + 0.9 * normal(rng)))),
    retention: shape === 'churn' ? uniform(rng, 0.1, 0.3) : uniform(rng, 0.85, 0.97),
    growth: shape === 'growth' ? uniform(rng, 0.05, 0.15) : 0.01 * normal(rng),
    levelNoise: shape === 'churn' ? 0.1 : 0.04,
    weekdayProfile: [...profile, weekend * uniform(rng, 0.9, 1.1), weekend * uniform(rng, 0.7, 1)],
    dayNoise: uniform(rng, 0.05, 0.2),
    callsPerActive: uniform(rng, 1.5, 20),
  };
}

function newHandle(rng: Rng, t: Traits, from: number): Handle {
  const cadence = CADENCES[pick(rng, t.mix)];
  return {
    cadence,
    rate: cadence === 'core' ? uniform(rng, 0.5, 0.95) : Math.exp(uniform(rng, Math.log(0.03), Math.log(0.3))),
    weekday: pick(rng, t.weekdayProfile),
    parity: rng() < 0.5 ? 0 : 1,
    monthAt: rng(),
    skip: uniform(rng, 0.02, 0.15),
    from,
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

const DAY_MS = 86_400_000;

function simulatePeriod(
  rng: Rng,
  t: Traits,
  period: BillingPeriod,
  pool: Handle[],
  extra: Handle[],
  firstReadDay: number,
): SimPeriod {
  const dayStarts = localDayStarts(period);
  const days = dayStarts.length - 1;
  const newPerDay = new Array<number>(days).fill(0);
  const active = new Array<number>(days).fill(0);
  const calls = new Array<number>(days).fill(0);
  const seen = new Set<Handle>();
  const everyone = [...pool, ...extra];
  // One-offs: a day of the period by its traffic, and now and then a second one.
  const oneOffDays = new Map<Handle, Set<number>>();
  const dayInfo: { abs: number; wd: number; activity: number; holiday: boolean }[] = [];
  for (let d = 0; d < days; d++) {
    const local = DateTime.fromMillis(dayStarts[d] + 12 * 3_600_000, { zone: period.timezone });
    const wd = local.weekday - 1;
    const holiday = wd < 5 && rng() < 0.02;
    const abs = Math.floor(local.toMillis() / DAY_MS);
    dayInfo.push({
      abs,
      wd,
      holiday,
      activity: (holiday ? t.weekdayProfile[6] : t.weekdayProfile[wd]) * Math.exp(t.dayNoise * normal(rng)),
    });
  }
  const activity = dayInfo.map((x) => x.activity);
  for (const h of everyone) {
    if (h.cadence !== 'oneoff') continue;
    const set = new Set<number>();
    if (h.from >= dayInfo[0].abs && h.from <= dayInfo[days - 1].abs) set.add(h.from - dayInfo[0].abs);
    else set.add(pick(rng, activity));
    if (rng() < 0.3) set.add(pick(rng, activity));
    oneOffDays.set(h, set);
  }
  for (let d = 0; d < days; d++) {
    const { abs, wd, activity: a, holiday } = dayInfo[d];
    for (const h of everyone) {
      if (abs < h.from) continue;
      let on = false;
      switch (h.cadence) {
        case 'core':
          on = rng() < Math.min(1, h.rate * a);
          break;
        case 'weekly':
          on = wd === h.weekday && rng() > (holiday ? 0.7 : h.skip);
          break;
        case 'biweekly':
          on = wd === h.weekday && Math.floor((abs + 3) / 7) % 2 === h.parity && rng() > (holiday ? 0.7 : h.skip);
          break;
        case 'monthly':
          on = d === Math.floor(h.monthAt * days) && rng() > h.skip;
          break;
        case 'occasional':
          on = rng() < 1 - Math.exp(-h.rate * a);
          break;
        case 'oneoff':
          on = oneOffDays.get(h)!.has(d);
          break;
      }
      if (!on) continue;
      active[d]++;
      calls[d] += 1 + poisson(rng, t.callsPerActive - 1);
      if (!seen.has(h)) {
        seen.add(h);
        newPerDay[d]++;
      }
    }
  }
  const cumulativeByDay: number[] = [];
  newPerDay.reduce((sum, n, i) => (cumulativeByDay[i] = sum + n), 0);
  return {
    start: period.start,
    end: period.end,
    dayStarts,
    newHandlesPerDay: newPerDay,
    activeHandlesPerDay: active,
    callsPerDay: calls,
    cumulativeByDay,
    final: cumulativeByDay[days - 1],
    firstReadDay,
  };
}

/**
 * `contracts` contracts of one shape, each with `months` periods. Campaigns and onboarding happen
 * in the first period (read without history) and in the last (read with the ones before).
 */
export function simulateShape(
  shape: ShapeName,
  seed: number,
  contracts: number,
  months: number,
  firstKey = '2025-01',
): SimContract[] {
  const rng = seededRng(seed * 7919 + SHAPES.indexOf(shape) * 104729);
  const out: SimContract[] = [];
  for (let c = 0; c < contracts; c++) {
    const t = traits(rng, shape);
    const cycle: BillingCycle = {
      timezone: ZONES[Math.floor(rng() * ZONES.length)],
      billingDay: 1 + Math.floor(rng() * 28),
    };
    let period = periodByKey(firstKey, cycle);
    let pool: Handle[] = [];
    let target = t.size;
    const periods: SimPeriod[] = [];
    for (let m = 0; m < months; m++) {
      const firstAbs = Math.floor(period.start.getTime() / DAY_MS);
      const days = Math.round((period.end.getTime() - period.start.getTime()) / DAY_MS);
      // Who stays from last month (one-offs never do), then newcomers up to this month's size.
      pool = pool.filter((h) => h.cadence !== 'oneoff' && rng() < t.retention);
      if (m > 0) target *= (1 + t.growth) * Math.exp(t.levelNoise * normal(rng));
      const joinAnyDay = shape === 'growth' && m > 0;
      // Growth: the month's newcomers join on any day of it, so the population grows steadily.
      while (pool.length < target) pool.push(newHandle(rng, t, joinAnyDay ? firstAbs + Math.floor(rng() * days) : 0));
      const special = m === 0 || m === months - 1;
      const extra: Handle[] = [];
      if (shape === 'campaign' && special) {
        const burst = Math.round(target * uniform(rng, 0.2, 0.6));
        const startDay = 1 + Math.floor(rng() * 9);
        const span = 1 + Math.floor(rng() * 3);
        for (let i = 0; i < burst; i++)
          extra.push({
            ...newHandle(rng, t, 0),
            cadence: 'oneoff',
            from: firstAbs + startDay + Math.floor(rng() * span),
          });
      }
      const firstReadDay = shape === 'onboarding' && special ? 4 + Math.floor(rng() * 9) : 1;
      periods.push(simulatePeriod(rng, t, period, pool, extra, firstReadDay));
      period = nextPeriod(period, cycle);
    }
    out.push({
      shape,
      timezone: cycle.timezone,
      allowance: Math.round(t.size * uniform(rng, 0.7, 1.4)),
      overagePriceMinor: BigInt(100 * (5 + Math.floor(rng() * 20))),
      periods,
    });
  }
  return out;
}
