import { multiply } from '../common/money';
import { activityClock, Curve, cumulativeOf, DailySeries, incrementsOf, weekdayFactors } from './activity-clock';
import { Candidate, levelCandidate, levelFinal, readPast, shapeCandidate, stack, Stacked } from './history-shape';
import { ownCurveEstimate } from './own-curve';
import { repeatStructureEstimate } from './repeat-structure';
import { isoDateOfDay, localDayOf, periodDays } from './period-days';

/**
 * The projection of a period's final unique-handle count. Pure: the caller brings the counts.
 *
 * A unique count is not a rate. A handle counts once, the day it is first seen; every later call
 * from it adds nothing. So the curve of first-seen handles decays: a core of regular handles
 * appears in the first days, then a tail of occasional ones trickles in. The straight line
 * `count ÷ elapsed share` assumes every day brings as many new handles as the first ones did and
 * overshoots, badly in the first week. Here the rest of the period is the sum of several
 * estimates of the handles still to come, on an activity clock that takes out the weekly rhythm:
 *
 *   history-shape     earlier periods' curves, read at the same point: final ÷ count-so-far;
 *   level-trend       earlier periods' finals and their trend, whatever this period shows;
 *   repeat-structure  this period's own rhythms, from its new and its returning handles per day
 *                     (repeat-structure.ts): all a first period has;
 *   first-seen-decay  this period's own curve alone (decay fit + Heaps' law), without the returns.
 *
 * The history's are tried on the contract's past periods at the same point of the period, and
 * blended on log(handles still to come + 1) with the weights that would have erred least there
 * (stacking; inverse-variance weights from prior errors while there is little history); their
 * band is the blend's error there plus the Poisson noise of the handles still to come. The
 * period's own estimate (with its own band) and the history's are then blended by inverse
 * variance: the history takes over as closed periods accumulate. `npm run backtest` measures
 * all of this against the straight line on synthetic traffic shapes.
 */

export interface ProjectionInput {
  periodStart: Date;
  periodEnd: Date;
  /** within [periodStart, periodEnd) */
  now: Date;
  /** IANA zone: local days and weekdays */
  timezone: string;
  /** handles first seen this period on each local day, from day 0 to today (today partial) */
  newHandlesPerDay: number[];
  /** calls per local day, same indexing: the clearest sign of the weekday rhythm */
  callsPerDay?: number[];
  /**
   * distinct handles called on each local day (first seen that day or before), same indexing:
   * with it, the handles that came back show the period's repeat structure (repeat-structure.ts)
   */
  activeHandlesPerDay?: number[];
  /**
   * earlier periods, most recent first, each the cumulative unique count at the end of each local
   * day; full periods only. `periodStart` places its days on the calendar (for weekdays); without
   * it, a period is taken to end where the next one starts.
   */
  history: { cumulativeByDay: number[]; periodStart?: Date }[];
  allowance: number;
  /** overage price per handle, in minor units */
  overagePriceMinor: bigint;
}

export interface Projection {
  uniqueHandles: number;
  low: number;
  high: number;
  overageHandles: number;
  overageCostMinor: bigint;
  /** the local date the count passes the allowance (projected, or already), else null */
  exceedsAllowanceOn: string | null;
  method: string;
  confidence: 'low' | 'medium' | 'high';
  /** projected cumulative count at the end of each local day from today to the period's last */
  dailyCurve: { date: string; cumulative: number; low: number; high: number }[];
}

/** Weight of each earlier period relative to the next more recent one. */
const SHAPE_RECENCY = 0.75;
const LEVEL_RECENCY = 0.7;
/** Half-width of the band in standard deviations: the backtest holds the truth ~95% of the time. */
const BAND_Z = 2;
/** A candidate is named in `method` from this weight up. */
const MIN_WEIGHT_NAMED = 0.1;
/** Before a quarter of a day has passed, the clock reads a quarter: extrapolating from less runs away. */
const MIN_ELAPSED = 0.25;
/** The band never spans more than e^(±2·2.5) ≈ 150× the handles still to come. */
const MAX_SIGMA = 2.5;
/** Periods older than a year add little (0.75^12 ≈ 3% of the weight) and cost time. */
const MAX_HISTORY = 12;
/**
 * The period's own extrapolation is a candidate only while the history is thinner than this: past
 * periods are all stacking can learn weights from, and on them the history-based candidates do
 * better (in the backtest, keeping it made the day-7 error 5.0% instead of 4.8%).
 */
const OWN_UNTIL_PERIODS = 3;
/** Prior errors, before a contract's own past shows better: the shape's on log(remaining + 1)... */
const SHAPE_SIGMA_PRIOR = 0.35;
/** ...and the level's on log(final): a month's count within ~15% of the trend of the ones before. */
const LEVEL_SIGMA_PRIOR = 0.15;

export function projectPeriod(input: ProjectionInput): Projection {
  const days = periodDays(input.periodStart, input.periodEnd, input.now, input.timezone);
  const observed = observedDays(input.newHandlesPerDay, days.today);
  const cumulative = cumulativeOf(observed);
  const current = cumulative[days.today];

  // Where each past period's days fall on the calendar, for their weekdays.
  const history = input.history.slice(0, MAX_HISTORY);
  const pastFirstDays: number[] = [];
  let first = days.firstDay;
  for (const h of history) {
    first = h.periodStart ? localDayOf(h.periodStart, input.timezone) : first - h.cumulativeByDay.length;
    pastFirstDays.push(first);
  }
  const factors = weekdayFactors([
    // New handles keep the rhythm once the core is in (from the second week); calls all along.
    ...history.map((h, i): DailySeries => ({
      firstDay: pastFirstDays[i],
      values: incrementsOf(h.cumulativeByDay),
      from: 7,
    })),
    { firstDay: days.firstDay, values: observed.slice(0, days.today), from: 7 },
    { firstDay: days.firstDay, values: (input.callsPerDay ?? []).slice(0, days.today), from: 0 },
  ]);
  const bounds = activityClock(days.firstDay, days.days, factors);
  const now = Math.max(
    MIN_ELAPSED,
    bounds[days.today] + days.todayElapsed * (bounds[days.today + 1] - bounds[days.today]),
  );
  // The end of today and of each day after it (never before now, which MIN_ELAPSED may have moved on).
  const targets = bounds.slice(days.today + 1).map((t) => Math.max(t, now));
  const dates = targets.map((_, j) => isoDateOfDay(days.firstDay + days.today + j));
  const past = history
    .map((h, i) => ({ h, i }))
    .filter(({ h }) => h.cumulativeByDay.length > 0)
    .map(
      ({ h, i }) => new Curve(activityClock(pastFirstDays[i], h.cumulativeByDay.length, factors), h.cumulativeByDay),
    );

  if (current === 0) return nothingYet(input, past, dates, now, targets);

  const rows = readPast(past, now, targets, SHAPE_RECENCY);
  const end = last(targets);
  const repeat = input.activeHandlesPerDay
    ? repeatStructureEstimate({
        bounds,
        today: days.today,
        now,
        newPerDay: observed,
        returningPerDay: observed.map((n, d) => Math.max(0, countAt(input.activeHandlesPerDay!, d, days.today) - n)),
        targets,
      })
    : null;
  const candidates: Candidate[] = [];
  if (rows.length > 0) {
    // A burst this period (a campaign) is in the count once: the history's shape scales the rest.
    const usual = Math.max(1, current - (repeat?.burst ?? 0));
    const shape = shapeCandidate(rows, usual, SHAPE_SIGMA_PRIOR);
    candidates.push(shape);
    const level = levelFinal(past, end, LEVEL_RECENCY);
    if (level && level.final > usual + 0.5)
      candidates.push(levelCandidate(rows, level, usual, shape.remaining, LEVEL_SIGMA_PRIOR));
  }
  // Without the returns, the period's own curve of first-seen handles is all it has of its own.
  if (!repeat && rows.length < OWN_UNTIL_PERIODS) {
    const own = ownCurveEstimate(new Curve([...bounds.slice(0, days.today + 1), now], cumulative), now, targets);
    candidates.push({
      method: 'first-seen-decay',
      remaining: own.remaining,
      prior: finalToRemainingSigma(own.sigmaFinal, current, last(own.remaining)),
      errors: rows.map((r) =>
        Math.log((last(ownCurveEstimate(r.curve.truncated(now), now, [end]).remaining) + 1) / (last(r.rem) + 1)),
      ),
    });
  }
  const own: Blend | null = repeat
    ? {
        remaining: repeat.remaining,
        sigma: Math.min(MAX_SIGMA, repeat.sigmaUp),
        sigmaDown: Math.min(MAX_SIGMA, repeat.sigmaDown),
        method: 'repeat-structure',
      }
    : null;
  const fromHistory = candidates.length > 0 ? blend(candidates, stack(candidates, rows)) : null;
  const b = fromHistory && own ? combine(fromHistory, own) : (fromHistory ?? own)!;
  return present(input, current, observed, days.firstDay, dates, b, days.today);
}

/**
 * The period's own repeat structure and what its history says, by inverse variance on
 * log(remaining + 1): in a first period the first is all there is; as closed periods accumulate
 * and the history's error (learnt on them) shrinks, it takes over. The two are not independent
 * (same period, same handles), so the blend's sd assumes a correlation of one half.
 */
function combine(history: Blend, own: Blend): Blend {
  // Weights from each side's mean variance; each side of the band from its own.
  const variance = (b: Blend): number => (b.sigma ** 2 + down(b) ** 2) / 2;
  const wh = variance(own) / (variance(own) + variance(history));
  const wo = 1 - wh;
  const log = (b: Blend): number => Math.log(Math.max(0, last(b.remaining)) + 1);
  const final = Math.exp(wh * log(history) + wo * log(own)) - 1;
  const profile = history.remaining.map((_, j) => {
    const share = (b: Blend): number => (last(b.remaining) > 0 ? b.remaining[j] / last(b.remaining) : 1);
    return wh * share(history) + wo * share(own);
  });
  const side = (h: number, o: number): number =>
    Math.min(MAX_SIGMA, Math.sqrt((wh * h) ** 2 + (wo * o) ** 2 + wh * wo * h * o));
  const method =
    wh >= 1 - MIN_WEIGHT_NAMED
      ? history.method
      : wo >= 1 - MIN_WEIGHT_NAMED
        ? own.method
        : `${history.method}+${own.method}`;
  return {
    remaining: profile.map((p) => (p / (last(profile) || 1)) * final),
    sigma: side(history.sigma, own.sigma),
    sigmaDown: side(down(history), down(own)),
    method,
  };
}

/** A day's count from a per-day series like newHandlesPerDay (extra days count as today's). */
function countAt(values: number[], day: number, today: number): number {
  const days = day < today ? values.slice(day, day + 1) : values.slice(today);
  return days.reduce((s, v) => {
    if (!Number.isFinite(v) || v < 0) throw new RangeError('activeHandlesPerDay must hold counts (numbers >= 0).');
    return s + v;
  }, 0);
}

/** An sd of log(final) as an sd of log(remaining + 1): the same spread of handles, relative to fewer. */
function finalToRemainingSigma(sigmaFinal: number, current: number, remaining: number): number {
  return (sigmaFinal * (current + remaining + 1)) / (remaining + 1);
}

interface Blend {
  remaining: number[];
  /** sd of log(remaining + 1): above the estimate, and below it where that differs */
  sigma: number;
  sigmaDown?: number;
  method: string;
}

const down = (b: Blend): number => b.sigmaDown ?? b.sigma;

/** The stacked weights on log(remaining + 1) for the total; the days in between by the same weights. */
function blend(candidates: Candidate[], stacked: Stacked): Blend {
  const { weights } = stacked;
  const final =
    Math.exp(weights.reduce((s, w, k) => s + w * Math.log(Math.max(0, last(candidates[k].remaining)) + 1), 0)) - 1;
  const profile = candidates[0].remaining.map((_, j) =>
    weights.reduce((s, w, k) => {
      const rem = candidates[k].remaining;
      return s + w * (last(rem) > 0 ? rem[j] / last(rem) : 1);
    }, 0),
  );
  const method = candidates
    .map((c, k) => ({ name: c.method, w: weights[k] }))
    .filter((x) => x.w >= MIN_WEIGHT_NAMED)
    .sort((a, b) => b.w - a.w)
    .map((x) => x.name)
    .join('+');
  // The handles still to come are a Poisson draw on top of any estimate's error (variance
  // n/(n + 1)² on this scale): it keeps the band honest in the last days, when estimates agree.
  const sigma = Math.min(MAX_SIGMA, Math.sqrt(stacked.sigma ** 2 + final / (final + 1) ** 2));
  return { remaining: profile.map((p) => (p / (last(profile) || 1)) * final), sigma, method };
}

function present(
  input: ProjectionInput,
  current: number,
  observed: number[],
  firstDay: number,
  dates: string[],
  b: Blend,
  completeDays: number,
): Projection {
  const spread = Math.exp(BAND_Z * b.sigma);
  const spreadDown = Math.exp(BAND_Z * down(b));
  const dailyCurve = b.remaining.map((rem, j) => {
    const f = last(b.remaining) > 0 ? rem / last(b.remaining) : 1;
    const total = last(b.remaining);
    return {
      date: dates[j],
      cumulative: Math.round(current + f * total),
      low: Math.floor(current + f * Math.max(0, (total + 1) / spreadDown - 1)),
      high: Math.ceil(current + f * ((total + 1) * spread - 1)),
    };
  });
  // Running maxima: rounding must not make a curve step back.
  for (let j = 1; j < dailyCurve.length; j++) {
    for (const k of ['cumulative', 'low', 'high'] as const)
      dailyCurve[j][k] = Math.max(dailyCurve[j][k], dailyCurve[j - 1][k]);
  }
  const end = dailyCurve[dailyCurve.length - 1];
  end.low = Math.min(end.low, end.cumulative);
  end.high = Math.max(end.high, end.cumulative);
  const uniqueHandles = end.cumulative;
  const halfWidth = (end.high - end.low) / 2 / Math.max(uniqueHandles, 1);
  return {
    ...bill(input, uniqueHandles),
    low: end.low,
    high: end.high,
    exceedsAllowanceOn: crossing(input.allowance, observed, firstDay, dailyCurve),
    method: b.method,
    confidence: completeDays < 2 || halfWidth > 0.15 ? 'low' : halfWidth > 0.05 ? 'medium' : 'high',
    dailyCurve,
  };
}

/**
 * Nothing seen yet: nothing to scale, so the projection is 0. The band's top is what earlier
 * periods reached, or else three handles per activity day still to come (the "rule of three":
 * seeing none so far is still consistent with a rate up to 3 per elapsed span).
 */
function nothingYet(
  input: ProjectionInput,
  past: Curve[],
  dates: string[],
  now: number,
  targets: number[],
): Projection {
  const end = last(targets);
  const level = levelFinal(past, end, LEVEL_RECENCY);
  const top = level ? level.final * Math.exp(BAND_Z * LEVEL_SIGMA_PRIOR) : (3 * (end - now)) / Math.max(now, 1);
  const dailyCurve = targets.map((t, j) => ({
    date: dates[j],
    cumulative: 0,
    low: 0,
    high: Math.ceil((top * (t - now)) / (end - now || 1)),
  }));
  return {
    ...bill(input, 0),
    low: 0,
    high: last(dailyCurve).high,
    exceedsAllowanceOn: null,
    method: 'no-handles-yet',
    confidence: 'low',
    dailyCurve,
  };
}

function bill(
  input: ProjectionInput,
  uniqueHandles: number,
): Pick<Projection, 'uniqueHandles' | 'overageHandles' | 'overageCostMinor'> {
  const overageHandles = Math.max(0, uniqueHandles - input.allowance);
  return { uniqueHandles, overageHandles, overageCostMinor: multiply(input.overagePriceMinor, overageHandles) };
}

/** The day the count first goes over the allowance: already seen, or on the projected curve. */
function crossing(
  allowance: number,
  observed: number[],
  firstDay: number,
  curve: { date: string; cumulative: number }[],
): string | null {
  let sum = 0;
  for (let d = 0; d < observed.length; d++) {
    sum += observed[d];
    if (sum > allowance) return isoDateOfDay(firstDay + d);
  }
  return curve.find((p) => p.cumulative > allowance)?.date ?? null;
}

/** Day 0 to today; a longer array (a clock a little ahead of ours) counts its extra days as today's. */
function observedDays(values: number[], today: number): number[] {
  const out = new Array<number>(today + 1).fill(0);
  values.forEach((v, i) => {
    if (!Number.isFinite(v) || v < 0) throw new RangeError('newHandlesPerDay must hold counts (numbers >= 0).');
    out[Math.min(i, today)] += v;
  });
  return out;
}

function last<T>(xs: T[]): T {
  return xs[xs.length - 1];
}
