import { periodByKey } from '../periods/billing-period';
import { ProjectionInput, projectPeriod } from './projection';
import { repeatStructureEstimate } from './repeat-structure';
import { seededRandom } from './seeded-random';

/** June 2026 in UTC: 30 days, from a Monday. Traffic is the same every day, so the clock is the calendar. */
const june = periodByKey('2026-06', { timezone: 'UTC', billingDay: 1 });
const DAY_MS = 86_400_000;

function input(
  day: number,
  newPerDay: number[],
  activePerDay: number[],
  extra: Partial<ProjectionInput> = {},
): ProjectionInput {
  return {
    periodStart: june.start,
    periodEnd: june.end,
    now: new Date(june.start.getTime() + day * DAY_MS - 1000),
    timezone: 'UTC',
    newHandlesPerDay: newPerDay.slice(0, day),
    callsPerDay: new Array(day).fill(10_000),
    activeHandlesPerDay: activePerDay.slice(0, day),
    history: [],
    allowance: 100_000,
    overagePriceMinor: 100n,
    ...extra,
  };
}

/**
 * The population: 700 handles called weekly on a fixed weekday (100 a weekday) and 300
 * called once a month on a fixed day (10 a day). Final count: 1000.
 */
const weeklyNew = Array.from({ length: 30 }, (_, d) => (d < 7 ? 100 : 0) + 10);
const weeklyActive = Array.from({ length: 30 }, () => 110);

describe('the repeat structure of a first period', () => {
  it('reads a first week of weekly handles that come back as a population that is all in, not as a rate', () => {
    for (const day of [8, 10, 16, 21]) {
      const curveOnly = projectPeriod({ ...input(day, weeklyNew, weeklyActive), activeHandlesPerDay: undefined });
      const x = projectPeriod(input(day, weeklyNew, weeklyActive));
      expect(x.method).toBe('repeat-structure');
      expect(Math.abs(x.uniqueHandles - 1000) / 1000).toBeLessThan(0.1);
      expect(Math.abs(x.uniqueHandles - 1000)).toBeLessThan(Math.abs(curveOnly.uniqueHandles - 1000));
      expect(x.low).toBeLessThanOrEqual(1000);
      expect(x.high).toBeGreaterThanOrEqual(1000);
    }
  });

  it('extrapolates a stream of handles that never come back at its rate, once it can tell it from every-other-week handles', () => {
    // 40 new handles a day, none ever called again: the straight line is right here. Before day
    // 14 such days are also every-other-week handles that will stop: the band says so.
    const stream = new Array(30).fill(40);
    const early = projectPeriod(input(10, stream, stream));
    expect(early.low).toBeLessThanOrEqual(1200);
    expect(early.high).toBeGreaterThanOrEqual(1200);
    expect(early.confidence).toBe('low');
    const later = projectPeriod(input(16, stream, stream));
    expect(Math.abs(later.uniqueHandles - 1200) / 1200).toBeLessThan(0.05);
    expect(later.low).toBeLessThanOrEqual(1200);
    expect(later.high).toBeGreaterThanOrEqual(1200);
  });

  it('sees a core that is all in and called every day: little still to come, a narrow band', () => {
    const newPerDay = [300, 90, 27, 8, 2, 1, 0, 0, 0, 0];
    const active = newPerDay.map(() => 428 * 0.9);
    const x = projectPeriod(input(10, newPerDay, active));
    expect(x.uniqueHandles).toBeGreaterThanOrEqual(428);
    expect(x.uniqueHandles).toBeLessThan(445);
    expect((x.high - x.low) / x.uniqueHandles).toBeLessThan(0.15);
  });

  it('takes a burst of new handles that do not come back for a burst, not a rhythm', () => {
    // 20 a day of a steady stream, and on day 4 a campaign of 500 one-off handles.
    const newPerDay = Array.from({ length: 30 }, (_, d) => 20 + (d === 4 ? 500 : 0));
    const e = repeatStructureEstimate({
      bounds: Array.from({ length: 31 }, (_, d) => d),
      today: 15,
      now: 16,
      newPerDay: newPerDay.slice(0, 16),
      returningPerDay: new Array(16).fill(0),
      targets: Array.from({ length: 14 }, (_, j) => 17 + j),
    });
    expect(e.burst).toBeGreaterThan(400);
    expect(e.burst).toBeLessThanOrEqual(500);
    // The rest of the period: 20 a day for 14 days (280), not the burst spread over the month (~720).
    expect(e.remaining[e.remaining.length - 1]).toBeGreaterThan(240);
    expect(e.remaining[e.remaining.length - 1]).toBeLessThan(330);
    const x = projectPeriod(input(10, newPerDay, newPerDay));
    expect(x.high).toBeGreaterThanOrEqual(500 + 600);
    expect(x.low).toBeLessThanOrEqual(500 + 600);
  });

  it('refuses active counts that are not counts', () => {
    expect(() => projectPeriod(input(3, [5, 5, 5], [5, -1, 5]))).toThrow(RangeError);
    expect(() => projectPeriod(input(3, [5, 5, 5], [5, 5, NaN]))).toThrow(RangeError);
  });

  it('gives the same projection for the same counts (the bootstrap is seeded by them)', () => {
    expect(projectPeriod(input(12, weeklyNew, weeklyActive))).toEqual(
      projectPeriod(input(12, weeklyNew, weeklyActive)),
    );
  });

  it('never puts low below the count already used, nor high below the projection, whatever the counts', () => {
    const rng = seededRandom(42);
    for (let trial = 0; trial < 200; trial++) {
      const day = 1 + Math.floor(rng.next() * 29);
      const newPerDay = Array.from({ length: day }, () => Math.floor(rng.next() ** 3 * 400));
      // Active counts from none (inconsistent: fewer than the new ones) to many returns.
      const active = newPerDay.map((n) => Math.floor(rng.next() * (n + 500)));
      const used = newPerDay.reduce((a, b) => a + b, 0);
      const x = projectPeriod(input(day, newPerDay, active));
      expect(x.uniqueHandles).toBeGreaterThanOrEqual(used);
      expect(x.low).toBeGreaterThanOrEqual(used);
      expect(x.low).toBeLessThanOrEqual(x.uniqueHandles);
      expect(x.high).toBeGreaterThanOrEqual(x.uniqueHandles);
      for (const v of [x.uniqueHandles, x.low, x.high]) expect(Number.isFinite(v)).toBe(true);
    }
  });

  it('blends into the history as closed periods accumulate: with three like this one, the history leads', () => {
    const cumulative = (xs: number[]): number[] =>
      xs.map(
        (
          (s) => (v: number) =>
            (s += v)
        )(0),
      );
    const history = [1, 2, 3].map(() => ({ cumulativeByDay: cumulative(weeklyNew) }));
    const x = projectPeriod(input(10, weeklyNew, weeklyActive, { history }));
    expect(x.method).toMatch(/^history-shape/);
    expect(Math.abs(x.uniqueHandles - 1000) / 1000).toBeLessThan(0.02);
    expect(x.low).toBeLessThanOrEqual(1000);
    expect(x.high).toBeGreaterThanOrEqual(1000);
  });
});
