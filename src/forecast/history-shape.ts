import { Curve } from './activity-clock';

/**
 * What earlier periods of the same contract say about this one, and how the estimates are
 * blended. Every estimate is tried on the past periods at the point of the activity clock where
 * this period is now, which gives its errors there; the blend weights are the ones that would
 * have erred least (stacking), shrunk towards inverse-variance weights from each estimate's prior
 * error when there are few periods. Errors are on log(handles still to come + 1).
 */

/** A past period read at `now`: its count then, and how many handles came after, by each target time. */
export interface PastRow {
  curve: Curve;
  /** weight: recent periods count more (a contract's mix of handles drifts) */
  w: number;
  cum: number;
  rem: number[];
  /** index of the period among the past curves, 0 = most recent */
  age: number;
}

export function readPast(curves: Curve[], now: number, targets: number[], recency: number): PastRow[] {
  const rows: PastRow[] = [];
  curves.forEach((curve, age) => {
    const cum = curve.at(now);
    if (cum > 0) rows.push({ curve, w: Math.pow(recency, age), cum, rem: targets.map((t) => curve.at(t) - cum), age });
  });
  return rows;
}

export interface Candidate {
  method: string;
  /** expected new handles from now to each target time */
  remaining: number[];
  /** sd of log(final remaining + 1) to assume before the past periods show better */
  prior: number;
  /** its error on each past row (log of estimate + 1 over truth + 1), null where it cannot be tried */
  errors: (number | null)[];
}

/**
 * History shape: each past period's handles after this point relative to its count at it; this
 * period's count times their weighted geometric mean. The days in between follow their mean
 * shape. Errors: each past period predicted from the others (leave-one-out).
 */
export function shapeCandidate(rows: PastRow[], current: number, prior: number): Candidate {
  const last = rows[0].rem.length - 1;
  const logRatio = rows.map((r) => Math.log((r.rem[last] + 1) / (r.cum + 1)));
  const totalW = rows.reduce((s, r) => s + r.w, 0);
  const sum = rows.reduce((s, r, i) => s + r.w * logRatio[i], 0);
  const final = (current + 1) * Math.exp(sum / totalW) - 1;
  const profile = rows[0].rem.map(
    (_, j) => rows.reduce((s, r) => s + r.w * (r.rem[last] > 0 ? r.rem[j] / r.rem[last] : 1), 0) / totalW,
  );
  const errors = rows.map((_, i) => {
    if (rows.length < 2) return null;
    const others = (sum - rows[i].w * logRatio[i]) / (totalW - rows[i].w);
    return others - logRatio[i];
  });
  return { method: 'history-shape', remaining: profile.map((p) => Math.max(0, p * final)), prior, errors };
}

/** Shrinks the month-to-month trend towards none: a few periods cannot tell growth from noise. */
const SLOPE_RIDGE = 4;

/**
 * The final count from past finals alone (each stretched or cut to this period's length along its
 * own curve): a weighted log-linear trend, its slope shrunk towards flat. It knows nothing of this
 * period's data, which is what makes it worth most in the first days, when the data say little.
 * Errors: each past period forecast from the ones before it.
 */
export function levelFinal(
  curves: Curve[],
  end: number,
  recency: number,
): { final: number; pastForecasts: (number | null)[] } | null {
  if (curves.length === 0) return null;
  const finals = curves.map((c) => Math.log(c.at(end) + 1));
  return {
    final: Math.exp(trend(finals, recency)) - 1,
    pastForecasts: curves.map((_, i) =>
      i + 1 < curves.length ? Math.exp(trend(finals.slice(i + 1), recency)) - 1 : null,
    ),
  };
}

export function levelCandidate(
  rows: PastRow[],
  level: { final: number; pastForecasts: (number | null)[] },
  current: number,
  profile: number[],
  priorFinal: number,
): Candidate {
  const rem = level.final - current;
  const last = profile.length - 1;
  return {
    method: 'level-trend',
    remaining: profile.map((p) => (p / (profile[last] || 1)) * rem),
    prior: (priorFinal * (level.final + 1)) / (rem + 1),
    errors: rows.map((r) => {
      const f = level.pastForecasts[r.age];
      return f === null ? null : Math.log((Math.max(0, f - r.cum) + 1) / (r.rem[r.rem.length - 1] + 1));
    }),
  };
}

/** ys[0] is the most recent, at age 1; fit y = m + b·(x − x̄) with x = −age and predict at x = 0. */
function trend(ys: number[], recency: number): number {
  let sw = 0,
    sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0,
    w = 1;
  for (let i = 0; i < ys.length; i++) {
    const x = -(i + 1);
    sw += w;
    sx += w * x;
    sy += w * ys[i];
    sxx += w * x * x;
    sxy += w * x * ys[i];
    w *= recency;
  }
  const mx = sx / sw;
  const my = sy / sw;
  const b = (sxy - sw * mx * my) / (sxx - sw * mx * mx + SLOPE_RIDGE);
  return my - b * mx;
}

export interface Stacked {
  weights: number[];
  /** sd of log(final remaining + 1) of the blend */
  sigma: number;
}

/** The prior counts as this many past periods. */
const PRIOR_PERIODS = 2;
const GRID = 20;

/**
 * Weights (≥ 0, summing to 1, on a 5% grid) that minimise the blend's squared error on the past
 * rows where every candidate could be tried, plus PRIOR_PERIODS times its prior squared error
 * (the candidates' priors taken as independent). With no rows that is inverse-variance weighting;
 * with many, what worked on this contract. The minimum is the blend's expected squared error.
 */
export function stack(candidates: Candidate[], rows: PastRow[]): Stacked {
  const usable = rows.map((_, i) => candidates.every((c) => c.errors[i] !== null && c.errors[i] !== undefined));
  const n = usable.filter(Boolean).length;
  const effective = n === 0 ? 0 : Math.min(n, effectiveCount(rows.filter((_, i) => usable[i]).map((r) => r.w)));
  const totalW = rows.reduce((s, r, i) => s + (usable[i] ? r.w : 0), 0);
  const loss = (lambda: number[]): number => {
    let sq = 0;
    rows.forEach((r, i) => {
      if (!usable[i]) return;
      const e = candidates.reduce((s, c, k) => s + lambda[k] * (c.errors[i] as number), 0);
      sq += r.w * e * e;
    });
    const prior = candidates.reduce((s, c, k) => s + lambda[k] ** 2 * c.prior ** 2, 0);
    return (effective * (totalW > 0 ? sq / totalW : 0) + PRIOR_PERIODS * prior) / (effective + PRIOR_PERIODS);
  };
  let best: { weights: number[]; mse: number } = {
    weights: candidates.map((_, k) => (k === 0 ? 1 : 0)),
    mse: Infinity,
  };
  for (const lambda of simplex(candidates.length, GRID)) {
    const mse = loss(lambda);
    if (mse < best.mse) best = { weights: lambda, mse };
  }
  return { weights: best.weights, sigma: Math.sqrt(best.mse) };
}

function effectiveCount(weights: number[]): number {
  const s = weights.reduce((a, b) => a + b, 0);
  return (s * s) / weights.reduce((a, b) => a + b * b, 0);
}

const simplexes = new Map<number, number[][]>();

/** All k-vectors of multiples of 1/steps that sum to 1 (built once per k). */
function simplex(k: number, steps: number): number[][] {
  const key = k * 1000 + steps;
  const known = simplexes.get(key);
  if (known) return known;
  const out: number[][] = [];
  const parts = new Array<number>(k).fill(0);
  const fill = (i: number, left: number): void => {
    if (i === k - 1) {
      parts[i] = left;
      out.push(parts.map((p) => p / steps));
      return;
    }
    for (let p = 0; p <= left; p++) {
      parts[i] = p;
      fill(i + 1, left - p);
    }
  };
  fill(0, steps);
  simplexes.set(key, out);
  return out;
}
