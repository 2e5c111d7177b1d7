import { Rng, seededRandom } from './seeded-random';

/**
 * The open period's own repeat structure: what a first period can know about the handles still to
 * come, without any history.
 *
 * Every handle is called in some rhythm, and the first time it is called in the period it counts.
 * The handles still unseen are, by definition, the ones not called yet; what the period shows so
 * far says which rhythms it is made of, through two daily series:
 *
 *   new        handles first seen that day: the unseen handles' rhythms, read from the front;
 *   returning  handles seen before that day and called again: how often the seen handles come back.
 *
 * Weekly handles all arrive within the first week, then only return; a stream of one-off handles
 * arrives at a steady rate and never returns; daily handles arrive in the first days and return
 * every day. A burst of new handles in the first week followed by many returns is a weekly
 * population that is all in; the same burst without returns is a rate that goes on. The curve of
 * first-seen handles alone cannot tell these apart; with the returns it can.
 *
 * The model is a mixture of a fixed set of rhythms (on the activity clock, which takes out the
 * weekday cycle), each with an unknown number of handles M_k ≥ 0:
 *
 *   rate λ     called on a day with probability 1 − e^(−λ·w) (w: the day's length on the clock);
 *   every P    called on one day of each P days (P = 7, 14), which day in proportion to traffic;
 *   stream     arrive at a steady rate, never return (one-off and monthly handles).
 *
 * Both series are linear in the M_k, so the fit is a non-negative least squares on Poisson
 * weights (reweighted twice, days far above the fit count less: a campaign's burst is not a
 * rhythm), and the handles still to come are Σ M_k × each rhythm's share still unseen. The band
 * is a parametric bootstrap (the days redrawn as Poisson counts around what was seen, the fit
 * redone) plus what the period cannot show yet: the stream's rate may move, and newcomers of any
 * rhythm may join (both in proportion to the time still to run).
 */

/** Rates (per activity day) of the rhythms: from a call every ~25 days to several a day. */
const RATES = [0.04, 0.1, 0.25, 0.6, 1.5, 4];
const PERIODS = [7, 14];
/** Columns: RATES, then PERIODS, then the stream. The alternative explanations tried for the band: */
const VARIANTS: ((k: number) => boolean)[] = [
  // nothing goes on: no stream, no slow rate
  (k) => k < RATES.length + PERIODS.length && RATES[k] !== 0.04 && RATES[k] !== 0.1,
  // nothing stops: no every-7 or every-14 days
  (k) => k < RATES.length || k >= RATES.length + PERIODS.length,
  // everything stops within the week: fast rates and every 7 days only
  (k) => (k < RATES.length && RATES[k] >= 0.25) || k === RATES.length,
  // every 7 days, but nothing every 14 (which the days cannot tell from a stream before day 14)
  (k) => k !== RATES.length + 1,
];
/**
 * An alternative explanation that fits as well puts the band's edge on its side at its estimate:
 * the band is ±2 sds (projection.ts), so its distance counts as 2 sds.
 */
const STRUCTURAL_Z = 2;
/** Refits for the bootstrap: enough for an sd within ~15%, at ~0.1 ms each. */
const BOOTSTRAP = 24;
/** Reweighting passes; a day's new handles count less beyond this many sds above the fit. */
const PASSES = 3;
const HUBER = 3;
/** The ridge, relative to each column's own weight (see nnls): small, it only breaks ties. */
const RIDGE = 0.05;
/**
 * What the past days cannot show: the stream's rate and the population may drift over the rest of
 * the period; sd of the log of the handles still to come, per unit of the clock's remaining share.
 */
const DRIFT_SD = 0.3;

export interface RepeatInput {
  /** activity time at the start of each local day, and at the end of the last: days + 1 */
  bounds: number[];
  /** index of today; the series run from day 0 to today (today partial) */
  today: number;
  /** activity time now (within today) */
  now: number;
  newPerDay: number[];
  returningPerDay: number[];
  /** activity times to project to (ascending, ≥ now) */
  targets: number[];
}

export interface RepeatEstimate {
  /** expected new handles from now to each target */
  remaining: number[];
  /** sd of log(final remaining + 1), above the estimate and below it */
  sigmaUp: number;
  sigmaDown: number;
  /**
   * new handles seen so far beyond what the rhythms explain, on days far above the fit: a burst
   * (a campaign, an import of another team's handles) that will not recur. The history's
   * estimates scale the count without them (projection.ts).
   */
  burst: number;
}

interface Column {
  newPerDay: number[];
  returning: number[];
  /** handles still unseen now that will be seen by each target, per unit of M */
  remaining: number[];
}

export function repeatStructureEstimate(input: RepeatInput): RepeatEstimate {
  const { bounds, today, now, targets } = input;
  const start = (d: number): number => bounds[d];
  const stop = (d: number): number => (d === today ? Math.max(now, bounds[d]) : bounds[d + 1]);
  const columns: Column[] = [];
  for (const lambda of RATES) {
    const unseen = (t: number): number => Math.exp(-lambda * t);
    const nd: number[] = [];
    const rd: number[] = [];
    for (let d = 0; d <= today; d++) {
      nd.push(unseen(start(d)) - unseen(stop(d)));
      rd.push((1 - unseen(start(d))) * (1 - Math.exp(-lambda * (stop(d) - start(d)))));
    }
    columns.push({ newPerDay: nd, returning: rd, remaining: targets.map((t) => unseen(now) - unseen(t)) });
  }
  for (const period of PERIODS) {
    // Every P local days, on a day drawn in proportion to its traffic: the first P days' share
    // of the clock is where they are first seen; after that, they return.
    const edge = bounds[Math.min(period, bounds.length - 1)];
    const nd: number[] = [];
    const rd: number[] = [];
    for (let d = 0; d <= today; d++) {
      const len = (stop(d) - start(d)) / period;
      nd.push(d < period ? len : 0);
      rd.push(d < period ? 0 : len);
    }
    const seenBy = (t: number): number => Math.min(t, edge) / period;
    columns.push({ newPerDay: nd, returning: rd, remaining: targets.map((t) => Math.max(0, seenBy(t) - seenBy(now))) });
  }
  const stream: Column = { newPerDay: [], returning: [], remaining: targets.map((t) => t - now) };
  for (let d = 0; d <= today; d++) {
    stream.newPerDay.push(stop(d) - start(d));
    stream.returning.push(0);
  }
  columns.push(stream);

  const y = [...input.newPerDay, ...input.returningPerDay];
  const design = columns.map((c) => [...c.newPerDay, ...c.returning]);
  const nNew = input.newPerDay.length;
  const finalOf = (m: number[]): number =>
    columns.reduce((s, c, k) => s + m[k] * c.remaining[c.remaining.length - 1], 0);
  const point = fit(
    design,
    y,
    nNew,
    columns.map(() => true),
  );
  const remaining = targets.map((_, j) => columns.reduce((s, c, k) => s + point.m[k] * c.remaining[j], 0));
  const final = remaining[remaining.length - 1];

  // What the days cannot tell apart: the same days explained without the rhythms that go on (a
  // slow rate, the stream), or without those that stop (every 7 or 14 days). Where such an
  // explanation fits about as well (within two standard deviations, on the fit's own dispersion),
  // the band reaches out to it.
  const dispersion = Math.max(1, point.chi2 / Math.max(1, y.length - columns.length));
  let up = 0;
  let down = 0;
  for (const keep of VARIANTS) {
    const v = fit(
      design,
      y,
      nNew,
      columns.map((_, k) => keep(k)),
    );
    if (v.chi2 - point.chi2 > 4 * dispersion) continue;
    const ratio = Math.log((finalOf(v.m) + 1) / (final + 1));
    up = Math.max(up, ratio);
    down = Math.max(down, -ratio);
  }

  // Parametric bootstrap: each day redrawn around what was seen, the fit redone.
  const rng = seededRandom(y.reduce((h, v, i) => (h * 31 + v * (i + 1)) | 0, 17));
  const logs: number[] = [];
  for (let b = 0; b < BOOTSTRAP; b++) {
    const yb = y.map((v) => poisson(rng, v));
    logs.push(
      Math.log(
        finalOf(
          fit(
            design,
            yb,
            nNew,
            columns.map(() => true),
          ).m,
        ) + 1,
      ),
    );
  }
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  const bootVar = logs.reduce((s, v) => s + (v - mean) ** 2, 0) / (logs.length - 1);
  const end = targets[targets.length - 1];
  const drift = DRIFT_SD * ((end - now) / Math.max(end, 1e-9));
  // The handles still to come are a Poisson draw on top (variance n/(n + 1)² on this scale).
  const common = bootVar + drift ** 2 + final / (final + 1) ** 2;
  // The burst: what the days of new handles hold beyond the fit and beyond its noise (at HUBER sds).
  let burst = 0;
  for (let i = 0; i < nNew; i++)
    burst += Math.max(0, y[i] - point.fitted[i] - HUBER * Math.sqrt(dispersion * Math.max(point.fitted[i], 1)));
  return {
    remaining,
    sigmaUp: Math.sqrt(common + (up / STRUCTURAL_Z) ** 2),
    sigmaDown: Math.sqrt(common + (down / STRUCTURAL_Z) ** 2),
    burst,
  };
}

/** Non-negative weighted least squares on Poisson weights, reweighted; rows past nNew are returns. */
function fit(
  design: number[][],
  y: number[],
  nNew: number,
  use: boolean[],
): { m: number[]; chi2: number; fitted: number[] } {
  const k = design.length;
  const n = y.length;
  let m = new Array<number>(k).fill(0);
  let weights = y.map((v) => 1 / Math.max(v, 1));
  let chi2 = 0;
  let last: number[] = [];
  for (let pass = 0; pass < PASSES; pass++) {
    m = nnls(design, y, weights, use);
    const fitted = new Array<number>(n).fill(0);
    for (let c = 0; c < k; c++) for (let i = 0; i < n; i++) fitted[i] += m[c] * design[c][i];
    weights = fitted.map((f, i) => {
      const v = Math.max(f, 1);
      const z = (y[i] - f) / Math.sqrt(v);
      // A day of new handles far above the fit: a burst, not a rhythm; it counts as if at the edge.
      return i < nNew && z > HUBER ? (HUBER / z) ** 2 / v : 1 / v;
    });
    chi2 = fitted.reduce((s, f, i) => s + weights[i] * (y[i] - f) ** 2, 0);
    last = fitted;
  }
  return { m, chi2, fitted: last };
}

/**
 * min Σ w_i (y_i − Σ_k m_k x_ki)² + RIDGE Σ_k g_kk m_k² over m ≥ 0 (g_kk: the column's own weight
 * in the fit, so the penalty does not depend on its units). The ridge is what splits the
 * handles between rhythms the days so far cannot tell apart (on day 10, a steady arrival of new
 * handles that never returned is every-other-week handles, monthly ones or a slow rate alike):
 * equally, where a least squares would give them all to whichever it met first. Lawson and
 * Hanson's active set on the normal equations.
 */
function nnls(design: number[][], y: number[], w: number[], use: boolean[]): number[] {
  const k = design.length;
  const g: number[][] = [];
  const b: number[] = [];
  for (let a = 0; a < k; a++) {
    g.push(new Array<number>(k).fill(0));
    let s = 0;
    for (let i = 0; i < y.length; i++) s += w[i] * design[a][i] * y[i];
    b.push(s);
  }
  for (let a = 0; a < k; a++) {
    for (let c = a; c < k; c++) {
      let s = 0;
      for (let i = 0; i < y.length; i++) s += w[i] * design[a][i] * design[c][i];
      g[a][c] = g[c][a] = s;
    }
  }
  for (let a = 0; a < k; a++) g[a][a] = g[a][a] * (1 + RIDGE) + 1e-9;
  const m = new Array<number>(k).fill(0);
  const passive = new Array<boolean>(k).fill(false);
  for (let outer = 0; outer < 3 * k; outer++) {
    let best = -1;
    let bestGrad = 1e-9;
    for (let j = 0; j < k; j++) {
      if (passive[j] || !use[j]) continue;
      let grad = b[j];
      for (let c = 0; c < k; c++) grad -= g[j][c] * m[c];
      if (grad > bestGrad * Math.sqrt(g[j][j])) {
        bestGrad = grad / Math.sqrt(g[j][j]);
        best = j;
      }
    }
    if (best < 0) break;
    passive[best] = true;
    for (let inner = 0; inner < 3 * k; inner++) {
      const z = solvePassive(g, b, passive);
      let step = 1;
      for (let j = 0; j < k; j++) if (passive[j] && z[j] <= 0) step = Math.min(step, m[j] / (m[j] - z[j]));
      for (let j = 0; j < k; j++) m[j] = passive[j] ? m[j] + step * (z[j] - m[j]) : 0;
      if (step >= 1) break;
      for (let j = 0; j < k; j++)
        if (passive[j] && m[j] <= 1e-12) {
          passive[j] = false;
          m[j] = 0;
        }
    }
  }
  return m;
}

/** G_PP z_P = b_P by Gaussian elimination (G is positive definite: the ridge sees to it); 0 off P. */
function solvePassive(g: number[][], b: number[], passive: boolean[]): number[] {
  const idx = passive.map((p, j) => (p ? j : -1)).filter((j) => j >= 0);
  const n = idx.length;
  const a = idx.map((r) => [...idx.map((c) => g[r][c]), b[r]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = col + 1; r < n; r++) {
      const f = a[r][col] / a[col][col];
      for (let c = col; c <= n; c++) a[r][c] -= f * a[col][c];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = a[r][n];
    for (let c = r + 1; c < n; c++) s -= a[r][c] * x[c];
    x[r] = s / a[r][r];
  }
  const z = new Array<number>(passive.length).fill(0);
  idx.forEach((j, i) => (z[j] = x[i]));
  return z;
}

function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}
