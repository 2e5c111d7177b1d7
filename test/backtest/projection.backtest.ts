/**
 * Backtest of the month-end projection (src/forecast/projection.ts) on synthetic traffic shapes
 * (traffic-shapes.ts), each read without history (a contract's first period) and with three
 * closed periods of history.
 *
 *   npm run backtest                                    # seeds 1,2,3 · 60 contracts a shape · 4 months
 *   npm run backtest -- --seeds 4,5 --contracts 30 --shapes cadence,churn
 *   npm run backtest -- --no-returns                    # without the daily active counts (the curve alone)
 *
 * For every contract, at the end of every local day of its first and of its last period, the
 * projection runs with the counts so far (and, for the last period, the earlier ones as history)
 * and is compared with the period's true final count, next to the straight line `count ÷ elapsed
 * share`. Printed as Markdown: per shape the aims at day 10 (met or missed), then per shape and
 * per day the median absolute percentage error (MdAPE), the run-rate's, and how often the band
 * held the truth.
 */
import { performance } from 'node:perf_hooks';
import { ProjectionInput, projectPeriod } from '../../src/forecast/projection';
import { SHAPES, ShapeName, SimContract, SimPeriod, simulateShape } from './traffic-shapes';

const TABLE_DAYS = [3, 5, 7, 10, 14, 21, 28];
const AIM_DAY = 10;
const AIM_FROM = 5;

interface Options {
  seeds: number[];
  contracts: number;
  months: number;
  shapes: ShapeName[];
  returns: boolean;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { seeds: [1, 2, 3], contracts: 60, months: 4, shapes: SHAPES, returns: true };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--no-returns') {
      opts.returns = false;
      continue;
    }
    if (flag === '--seeds' || flag === '--seed') opts.seeds = value.split(',').map(Number);
    else if (flag === '--contracts') opts.contracts = Number(value);
    else if (flag === '--months' && Number(value) >= 2) opts.months = Number(value);
    else if (flag === '--shapes')
      opts.shapes = value.split(',').filter((s): s is ShapeName => (SHAPES as string[]).includes(s));
    else
      throw new Error(
        `unknown argument ${flag} (use --seeds 1,2,3 --contracts 60 --months 4 --shapes ${SHAPES.join(',')} --no-returns)`,
      );
    i++;
  }
  return opts;
}

interface Sample {
  shape: ShapeName;
  history: boolean;
  seed: number;
  day: number;
  ape: number;
  runRateApe: number;
  held: boolean;
  /** the band's half-width relative to the projection */
  halfWidth: number;
}

function run(shape: ShapeName, seed: number, opts: Options, timings: number[]): Sample[] {
  const samples: Sample[] = [];
  for (const contract of simulateShape(shape, seed, opts.contracts, opts.months)) {
    const lastIndex = contract.periods.length - 1;
    for (const m of [0, lastIndex]) {
      const period = contract.periods[m];
      const history = contract.periods
        .slice(0, m)
        .reverse()
        .map((p) => ({ cumulativeByDay: p.cumulativeByDay, periodStart: p.start }));
      for (let day = period.firstReadDay; day < period.newHandlesPerDay.length; day++) {
        const { input, count, share } = inputAt(contract, period, day, history, opts.returns);
        const t0 = performance.now();
        const p = projectPeriod(input);
        timings.push(performance.now() - t0);
        const truth = period.final;
        samples.push({
          shape,
          history: m > 0,
          seed,
          day,
          ape: Math.abs(p.uniqueHandles - truth) / truth,
          runRateApe: Math.abs(count / share - truth) / truth,
          held: p.low <= truth && truth <= p.high,
          halfWidth: (p.high - p.low) / 2 / Math.max(1, p.uniqueHandles),
        });
      }
    }
  }
  return samples;
}

/** The end of local day `day` (1-based: `day` days seen). */
function inputAt(
  contract: SimContract,
  p: SimPeriod,
  day: number,
  history: ProjectionInput['history'],
  returns: boolean,
) {
  const now = p.dayStarts[day] - 1000;
  const newHandles = p.newHandlesPerDay.slice(0, day);
  const count = newHandles.reduce((a, b) => a + b, 0);
  const share = (now - p.start.getTime()) / (p.end.getTime() - p.start.getTime());
  const input: ProjectionInput = {
    periodStart: p.start,
    periodEnd: p.end,
    now: new Date(now),
    timezone: contract.timezone,
    newHandlesPerDay: newHandles,
    callsPerDay: p.callsPerDay.slice(0, day),
    activeHandlesPerDay: returns ? p.activeHandlesPerDay.slice(0, day) : undefined,
    history,
    allowance: contract.allowance,
    overagePriceMinor: contract.overagePriceMinor,
  };
  return { input, count, share };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const held = (xs: Sample[]): number => xs.filter((x) => x.held).length / xs.length;

interface Verdict {
  mdape: number;
  runRate: number;
  coverage: number;
  met: boolean;
}

function verdict(samples: Sample[], history: boolean): Verdict {
  const at = samples.filter((s) => s.day === AIM_DAY);
  const mdape = median(at.map((s) => s.ape));
  const runRate = median(at.map((s) => s.runRateApe));
  const coverage = held(samples.filter((s) => s.day >= AIM_FROM));
  return { mdape, runRate, coverage, met: mdape <= (history ? 0.05 : 0.1) && runRate >= 3 * mdape && coverage >= 0.9 };
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const timings: number[] = [];
  const all: Sample[] = [];
  for (const shape of opts.shapes) for (const seed of opts.seeds) all.push(...run(shape, seed, opts, timings));

  const flags = `--seeds ${opts.seeds.join(',')} --contracts ${opts.contracts} --months ${opts.months} --shapes ${opts.shapes.join(',')}${opts.returns ? '' : ' --no-returns'}`;
  console.log(
    `\n### Projection backtest: ${opts.contracts} contracts a shape and seed, seeds ${opts.seeds.join(', ')}\n`,
  );
  console.log(
    `Read at the end of every local day of each contract's first period (no history) and of its period ${opts.months} (${opts.months - 1} closed periods of history). ` +
      `MdAPE: median absolute percentage error of the month-end unique count; run-rate: count ÷ elapsed share of the period; band held: share of readings whose low..high held the final count.\n`,
  );
  console.log(
    `Aims at day ${AIM_DAY}: MdAPE ≤ 10% (≤ 5% with history), ≥ 3× better than the run-rate, band held ≥ 90% of readings from day ${AIM_FROM} on.\n`,
  );
  console.log(
    '| shape | history | MdAPE day 10 | run-rate MdAPE | run-rate ÷ projection | band held (day ≥ 5) | band ± day 10 | worst seed MdAPE day 10 | aims |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  let met = 0;
  let missed = 0;
  for (const shape of opts.shapes) {
    for (const history of [false, true]) {
      const s = all.filter((x) => x.shape === shape && x.history === history);
      const v = verdict(s, history);
      const worst = Math.max(
        ...opts.seeds.map((seed) => median(s.filter((x) => x.seed === seed && x.day === AIM_DAY).map((x) => x.ape))),
      );
      if (v.met) met++;
      else missed++;
      console.log(
        `| ${shape} | ${history ? `${opts.months - 1} periods` : 'none'} | ${pct(v.mdape)} | ${pct(v.runRate)} | ${(v.runRate / v.mdape).toFixed(1)}× | ${pct(v.coverage)} | ${pct(median(s.filter((x) => x.day === AIM_DAY).map((x) => x.halfWidth)))} | ${pct(worst)} | ${v.met ? 'met' : 'missed'} |`,
      );
    }
  }
  console.log(`\n${met} met, ${missed} missed.\n`);
  for (const history of [false, true]) {
    console.log(
      `\nPer day, ${history ? `with ${opts.months - 1} closed periods of history` : 'first periods (no history)'}: projection MdAPE / run-rate MdAPE / band held\n`,
    );
    console.log(`| shape | ${TABLE_DAYS.map((d) => `day ${d}`).join(' | ')} |`);
    console.log(`| --- | ${TABLE_DAYS.map(() => '---:').join(' | ')} |`);
    for (const shape of opts.shapes) {
      const s = all.filter((x) => x.shape === shape && x.history === history);
      const cells = TABLE_DAYS.map((day) => {
        const d = s.filter((x) => x.day === day);
        return d.length === 0
          ? '–'
          : `${pct(median(d.map((x) => x.ape)))} / ${pct(median(d.map((x) => x.runRateApe)))} / ${pct(held(d))}`;
      });
      console.log(`| ${shape} | ${cells.join(' | ')} |`);
    }
  }
  const sorted = [...timings].sort((a, b) => a - b);
  const mean = timings.reduce((a, b) => a + b, 0) / timings.length;
  console.log(
    `\nprojectPeriod: ${timings.length} calls, mean ${mean.toFixed(2)} ms, p99 ${sorted[Math.floor(0.99 * sorted.length)].toFixed(2)} ms. Run took ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  );
  console.log(`\nMade by: \`npm run backtest -- ${flags}\``);
}

main();
