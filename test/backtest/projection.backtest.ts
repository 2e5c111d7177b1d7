/**
 * Backtest of the month-end projection (src/forecast/projection.ts) on synthetic traffic.
 *
 *   npm run backtest                                   # seeds 1,2,3 · 200 contracts · 12 months
 *   npm run backtest -- --seeds 7 --contracts 50 --months 6 --at noon
 *
 * For every contract, month and local day of the simulated periods, the projection runs with the
 * counts so far and the earlier months as history (the first month has none), and is compared
 * with the month's true final count, next to the straight line `count ÷ elapsed share`. Printed
 * as Markdown: error by day of period (median absolute percentage error), how often the band
 * held the truth, and the same for first periods alone. `--at end` (default) reads each day at
 * its last second, `--at noon` halfway through (today partial).
 */
import { performance } from 'node:perf_hooks';
import { Projection, ProjectionInput, projectPeriod } from '../../src/forecast/projection';
import { SimContract, SimPeriod, seededRng, simulateContracts } from './synthetic-traffic';

const TABLE_DAYS = [1, 3, 5, 7, 10, 14, 21, 28];

interface Options {
  seeds: number[];
  contracts: number;
  months: number;
  at: 'end' | 'noon';
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { seeds: [1, 2, 3], contracts: 200, months: 12, at: 'end' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--seeds' || flag === '--seed') opts.seeds = value.split(',').map(Number);
    else if (flag === '--contracts') opts.contracts = Number(value);
    else if (flag === '--months') opts.months = Number(value);
    else if (flag === '--at' && (value === 'end' || value === 'noon')) opts.at = value;
    else throw new Error(`unknown argument ${flag} (use --seeds 1,2,3 --contracts 200 --months 12 --at end|noon)`);
    i++;
  }
  return opts;
}

interface Sample {
  day: number;
  firstPeriod: boolean;
  projectionApe: number;
  runRateApe: number;
  held: boolean;
  below: boolean;
  halfWidth: number;
}

function run(seed: number, opts: Options, timings: number[]): Sample[] {
  const samples: Sample[] = [];
  const thin = seededRng(seed + 1000);
  for (const contract of simulateContracts(seed, opts.contracts, opts.months)) {
    contract.periods.forEach((period, m) => {
      const history = contract.periods.slice(0, m).reverse().map((p) => ({ cumulativeByDay: p.cumulativeByDay }));
      for (let day = 1; day < period.newHandlesPerDay.length; day++) {
        const { input, count, share } = inputAt(contract, period, day, history, opts.at, thin);
        const t0 = performance.now();
        const projection: Projection = projectPeriod(input);
        timings.push(performance.now() - t0);
        const truth = period.final;
        const runRate = count / share;
        samples.push({
          day,
          firstPeriod: m === 0,
          projectionApe: Math.abs(projection.uniqueHandles - truth) / truth,
          runRateApe: Math.abs(runRate - truth) / truth,
          held: projection.low <= truth && truth <= projection.high,
          below: projection.uniqueHandles <= runRate,
          halfWidth: (projection.high - projection.low) / 2 / Math.max(1, projection.uniqueHandles),
        });
      }
    });
  }
  return samples;
}

/** Day `day` of the period (1-based): its last second, or its middle with the day's first sightings thinned to match. */
function inputAt(contract: SimContract, p: SimPeriod, day: number, history: ProjectionInput['history'], at: Options['at'], rng: () => number) {
  const newHandles = p.newHandlesPerDay.slice(0, day);
  const calls = p.callsPerDay.slice(0, day);
  let now = p.dayStarts[day] - 1000;
  if (at === 'noon') {
    now = Math.round((p.dayStarts[day - 1] + p.dayStarts[day]) / 2);
    // A handle first seen today was seen before noon with probability 1/2 (its first call's time is uniform).
    let seen = 0;
    for (let i = 0; i < newHandles[day - 1]; i++) if (rng() < 0.5) seen++;
    newHandles[day - 1] = seen;
    calls[day - 1] = Math.round(calls[day - 1] / 2);
  }
  const count = newHandles.reduce((a, b) => a + b, 0);
  const share = (now - p.start.getTime()) / (p.end.getTime() - p.start.getTime());
  const input: ProjectionInput = {
    periodStart: p.start,
    periodEnd: p.end,
    now: new Date(now),
    timezone: contract.timezone,
    newHandlesPerDay: newHandles,
    callsPerDay: calls,
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
const share = (xs: boolean[]): number => xs.filter(Boolean).length / xs.length;

function table(samples: Sample[]): string {
  const rows = [
    '| day | n | projection MdAPE | run-rate MdAPE | run-rate ÷ projection | band held | band ± (median) | projection ≤ run-rate |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const day of TABLE_DAYS) {
    const s = samples.filter((x) => x.day === day);
    if (s.length === 0) continue;
    const p = median(s.map((x) => x.projectionApe));
    const r = median(s.map((x) => x.runRateApe));
    rows.push(
      `| ${day} | ${s.length} | ${pct(p)} | ${pct(r)} | ${(r / p).toFixed(1)}× | ${pct(share(s.map((x) => x.held)))} | ${pct(median(s.map((x) => x.halfWidth)))} | ${pct(share(s.map((x) => x.below)))} |`,
    );
  }
  return rows.join('\n');
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const timings: number[] = [];
  const bySeed = opts.seeds.map((seed) => ({ seed, samples: run(seed, opts, timings) }));
  const all = bySeed.flatMap((s) => s.samples);

  const command = `npm run backtest -- --seeds ${opts.seeds.join(',')} --contracts ${opts.contracts} --months ${opts.months} --at ${opts.at}`;
  console.log(`\n### Projection backtest: ${opts.contracts} synthetic contracts × ${opts.months} months, seeds ${opts.seeds.join(', ')}\n`);
  console.log(`Each local day of each period, read at ${opts.at === 'end' ? 'the end of the day' : 'midday (today partial)'}, with the earlier months as history. MdAPE = median absolute percentage error of the month-end unique count; run-rate = count ÷ elapsed share of the period.\n`);
  console.log(table(all));
  console.log('\nFirst periods only (no history):\n');
  console.log(table(all.filter((s) => s.firstPeriod)));
  console.log('\nDay 7 by seed (all periods):\n');
  console.log('| seed | projection MdAPE | run-rate MdAPE | run-rate ÷ projection | band held |');
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (const { seed, samples } of bySeed) {
    const s = samples.filter((x) => x.day === 7);
    const p = median(s.map((x) => x.projectionApe));
    const r = median(s.map((x) => x.runRateApe));
    console.log(`| ${seed} | ${pct(p)} | ${pct(r)} | ${(r / p).toFixed(1)}× | ${pct(share(s.map((x) => x.held)))} |`);
  }
  const sorted = [...timings].sort((a, b) => a - b);
  const mean = timings.reduce((a, b) => a + b, 0) / timings.length;
  console.log(
    `\nBand held over all days: ${pct(share(all.map((s) => s.held)))}. projectPeriod: ${timings.length} calls, mean ${mean.toFixed(3)} ms, p99 ${sorted[Math.floor(0.99 * sorted.length)].toFixed(3)} ms. Run took ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  );
  console.log(`\nMade by: \`${command}\``);
}

main();
