import { Curve, Interval } from './activity-clock';

/**
 * A period's own extrapolation, from nothing but its curve so far: what a period has of its own
 * when the daily returns are not given (repeat-structure.ts uses them), and then one of the
 * candidates while a contract has fewer than three past periods.
 */

/** Heaps' law: distinct items seen grow as t^α; 0.4-0.7 is typical, 0.55 is where we start. */
export const HEAPS_ALPHA = 0.55;
/**
 * How uncertain α is, as a function of the activity days seen: 0.25 up to 3 days, then shrinking
 * as 1/√days (0.16 at 7, 0.12 at 14). Calibrated on first periods in the backtest.
 */
export function alphaSd(days: number): number {
  return 0.25 * Math.sqrt(3 / Math.max(3, days));
}

export interface OwnEstimate {
  /** expected new handles from now to each target time */
  remaining: number[];
  /** sd of the log of the final count */
  sigmaFinal: number;
}

/**
 * The geometric mean of (1) the decay fit new(τ) = a·e^(−βτ) + c, summed to the end, and (2)
 * Heaps' law U(τ) ∝ τ^α with α read off the curve (U(now) against U(now/2)) and shrunk towards
 * 0.55 while there are few days. (1) runs high when the tail itself is slowing, (2) low when the
 * tail is steady; their mean is steadier than either. Before 2 activity days (the halfway point
 * still inside day one) it is the Heaps prior alone; before 3, Heaps with the curve's own α.
 * The days in between follow the Heaps curve, scaled to the final.
 */
export function ownCurveEstimate(curve: Curve, now: number, targets: number[]): OwnEstimate {
  const end = targets[targets.length - 1];
  const cum = curve.at(now);
  const sigmaFinal = alphaSd(now) * Math.log(end / now);
  if (cum <= 0) return { remaining: targets.map(() => 0), sigmaFinal };
  let alpha = HEAPS_ALPHA;
  if (now >= 2) {
    const half = curve.at(now / 2);
    const local = half > 0 ? Math.min(1, Math.max(0, Math.log(cum / half) / Math.LN2)) : 1;
    const k = Math.min(now, 14);
    alpha = (k * local + 2 * HEAPS_ALPHA) / (k + 2);
  }
  const heaps = targets.map((t) => cum * Math.pow(t / now, alpha) - cum);
  let final = heaps[heaps.length - 1];
  if (now >= 3) {
    const fit = fitDecay(curve.intervalsUpTo(now));
    if (fit) final = Math.sqrt((cum + final) * (cum + expectedNew(fit, now, end))) - cum;
  }
  const scale = heaps[heaps.length - 1] > 0 ? final / heaps[heaps.length - 1] : 0;
  return { remaining: heaps.map((h) => h * scale), sigmaFinal };
}

export interface DecayFit {
  a: number;
  beta: number;
  c: number;
}

/** β from fast (the core found within a day) to slow (a tail that halves over a month). */
const BETAS = Array.from({ length: 14 }, (_, i) => 0.03 * Math.pow(1.55, i));

/**
 * new(τ) = a·e^(−βτ) + c on the activity clock: a core that decays plus a steady tail. β on a
 * grid; for each, a and c ≥ 0 by Poisson-weighted least squares (weights 1/expected, refined
 * once); the β with the smallest Pearson χ² wins.
 */
export function fitDecay(obs: Interval[]): DecayFit | null {
  if (obs.length === 0) return null;
  const x1 = new Array<number>(obs.length);
  const x2 = obs.map((o) => o.to - o.from);
  const y = obs.map((o) => o.count);
  let best: DecayFit | null = null;
  let bestDev = Infinity;
  for (const beta of BETAS) {
    // Intervals are consecutive days, so each one's start is usually the last one's end.
    let previousEnd = NaN;
    for (let i = 0; i < obs.length; i++) {
      const start = i > 0 && obs[i].from === obs[i - 1].to ? previousEnd : Math.exp(-beta * obs[i].from);
      previousEnd = Math.exp(-beta * obs[i].to);
      x1[i] = (start - previousEnd) / beta;
    }
    const { a, c } = fitGivenBasis(x1, x2, y);
    const dev = misfit(x1, x2, y, a, c);
    if (dev < bestDev) {
      bestDev = dev;
      best = { a, beta, c };
    }
  }
  return best;
}

export function expectedNew(fit: DecayFit, from: number, to: number): number {
  return (fit.a / fit.beta) * (Math.exp(-fit.beta * from) - Math.exp(-fit.beta * to)) + fit.c * (to - from);
}

/** new_i ≈ a·x1_i + c·x2_i with a, c ≥ 0. */
function fitGivenBasis(x1: number[], x2: number[], y: number[]): { a: number; c: number } {
  let a = 0;
  let c = 0;
  for (let pass = 0; pass < 2; pass++) {
    let s11 = 0,
      s12 = 0,
      s22 = 0,
      t1 = 0,
      t2 = 0;
    for (let i = 0; i < y.length; i++) {
      const w = 1 / Math.max(pass === 0 ? y[i] : a * x1[i] + c * x2[i], 0.5);
      s11 += w * x1[i] * x1[i];
      s12 += w * x1[i] * x2[i];
      s22 += w * x2[i] * x2[i];
      t1 += w * x1[i] * y[i];
      t2 += w * x2[i] * y[i];
    }
    const det = s11 * s22 - s12 * s12;
    const aa = det > 1e-12 ? (s22 * t1 - s12 * t2) / det : -1;
    const cc = det > 1e-12 ? (s11 * t2 - s12 * t1) / det : -1;
    if (aa >= 0 && cc >= 0) {
      a = aa;
      c = cc;
    } else {
      // One component alone, whichever fits better.
      const onlyA = s11 > 0 ? Math.max(0, t1 / s11) : 0;
      const onlyC = s22 > 0 ? Math.max(0, t2 / s22) : 0;
      const useA = misfit(x1, x2, y, onlyA, 0) <= misfit(x1, x2, y, 0, onlyC);
      a = useA ? onlyA : 0;
      c = useA ? 0 : onlyC;
    }
  }
  return { a, c };
}

/** Pearson's χ² for Poisson counts, Σ (y − μ)² / μ: as good a yardstick as the deviance here, without a log per day. */
function misfit(x1: number[], x2: number[], y: number[], a: number, c: number): number {
  let chi2 = 0;
  for (let i = 0; i < y.length; i++) {
    const mu = a * x1[i] + c * x2[i];
    chi2 += ((y[i] - mu) * (y[i] - mu)) / Math.max(mu, 0.5);
  }
  return chi2;
}
