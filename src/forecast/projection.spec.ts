import { DateTime } from 'luxon';
import { BillingCycle, BillingPeriod, periodByKey, previousPeriod } from '../periods/billing-period';
import { Projection, ProjectionInput, projectPeriod } from './projection';

const UTC: BillingCycle = { timezone: 'UTC', billingDay: 1 };
const DAY_MS = 86_400_000;

/** Local days of a period (the zone's calendar, so a DST month still has its 31 days). */
function daysOf(p: BillingPeriod): DateTime[] {
  const out: DateTime[] = [];
  for (
    let d = DateTime.fromJSDate(p.start, { zone: p.timezone });
    d.toMillis() < p.end.getTime();
    d = d.plus({ days: 1 }).startOf('day')
  )
    out.push(d);
  return out;
}

/**
 * First-seen handles per day of a steady contract: a core of `core` handles found at a rate of
 * 65% of the rest per working day, then a steady tail of `tail` a day; weekends run at 40%.
 */
function firstSeen(p: BillingPeriod, core = 300, tail = 8): number[] {
  let unseen = core;
  return daysOf(p).map((d) => {
    const busy = d.weekday >= 6 ? 0.4 : 1;
    const found = Math.round(unseen * 0.65 * busy);
    unseen -= found;
    return found + Math.round(tail * busy);
  });
}

const cumulative = (xs: number[]): number[] =>
  xs.map(
    (
      (sum) => (x: number) =>
        (sum += x)
    )(0),
  );
const total = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** The input at the end of local day `day` (1-based: `day` days seen) of period `p`. */
function at(
  p: BillingPeriod,
  day: number,
  opts: Partial<ProjectionInput> & { perDay?: number[] } = {},
): ProjectionInput {
  const perDay = opts.perDay ?? firstSeen(p);
  const ends = daysOf(p);
  const now = day < ends.length ? new Date(ends[day].toMillis() - 1000) : new Date(p.end.getTime() - 1000);
  return {
    periodStart: p.start,
    periodEnd: p.end,
    now,
    timezone: p.timezone,
    newHandlesPerDay: perDay.slice(0, day),
    history: [],
    allowance: 10_000,
    overagePriceMinor: 1250n,
    ...opts,
  };
}

/** `months` earlier periods of the same steady contract, most recent first, growing 2% a month. */
function steadyHistory(p: BillingPeriod, cycle: BillingCycle, months: number): ProjectionInput['history'] {
  const out: ProjectionInput['history'] = [];
  let q = p;
  for (let m = 1; m <= months; m++) {
    q = previousPeriod(q, cycle);
    out.push({ cumulativeByDay: cumulative(firstSeen(q, 300 / 1.02 ** m, 8 / 1.02 ** m)) });
  }
  return out;
}

const width = (x: Projection): number => (x.high - x.low) / x.uniqueHandles;

describe('projectPeriod', () => {
  const june = periodByKey('2026-06', UTC);
  const truth = total(firstSeen(june));

  describe('a first period (no history): a core that shows up in the first days, then a steady tail', () => {
    it('projects below the straight line count ÷ elapsed share, and near the truth', () => {
      for (const day of [7, 10, 14]) {
        const input = at(june, day);
        const straightLine = total(input.newHandlesPerDay) / (day / 30);
        const x = projectPeriod(input);
        expect(x.uniqueHandles).toBeLessThan(straightLine * 0.6);
        expect(x.low).toBeLessThanOrEqual(truth);
        expect(x.high).toBeGreaterThanOrEqual(truth);
        expect(x.method).toBe('first-seen-decay');
      }
      // From the second week (day 10: Wednesday the 10th) the tail's level shows.
      expect(Math.abs(projectPeriod(at(june, 10)).uniqueHandles - truth) / truth).toBeLessThan(0.08);
    });

    it('is wide and says so on day 1', () => {
      const x = projectPeriod(at(june, 1));
      expect(x.confidence).toBe('low');
      expect(width(x)).toBeGreaterThan(0.5);
      expect(x.low).toBeLessThanOrEqual(x.uniqueHandles);
      expect(x.uniqueHandles).toBeLessThanOrEqual(x.high);
    });

    it('narrows as the period runs on', () => {
      const widths = [3, 7, 14, 21, 28].map((d) => width(projectPeriod(at(june, d))));
      for (let i = 1; i < widths.length; i++) expect(widths[i]).toBeLessThan(widths[i - 1]);
      expect(projectPeriod(at(june, 28)).confidence).not.toBe('low');
    });
  });

  describe('with history', () => {
    it('steady months narrow the band and pull the projection onto the truth', () => {
      const alone = projectPeriod(at(june, 5));
      const withHistory = projectPeriod(at(june, 5, { history: steadyHistory(june, UTC, 6) }));
      expect(width(withHistory)).toBeLessThan(width(alone) / 2);
      expect(Math.abs(withHistory.uniqueHandles - truth) / truth).toBeLessThan(0.03);
      expect(withHistory.low).toBeLessThanOrEqual(truth);
      expect(withHistory.high).toBeGreaterThanOrEqual(truth);
      expect(withHistory.method).toMatch(/history-shape|level-trend/);
    });

    it('is confident late in a steady period', () => {
      const x = projectPeriod(at(june, 25, { history: steadyHistory(june, UTC, 12) }));
      expect(x.confidence).toBe('high');
      expect(Math.abs(x.uniqueHandles - truth)).toBeLessThanOrEqual(5);
    });

    it('lets weekends add less than weekdays on the projected curve', () => {
      // June 2026: the 1st is a Monday; day 10 ends on Wednesday the 10th.
      const x = projectPeriod(at(june, 10, { history: steadyHistory(june, UTC, 6) }));
      const step = (date: string): number => {
        const i = x.dailyCurve.findIndex((p) => p.date === date);
        return x.dailyCurve[i].cumulative - x.dailyCurve[i - 1].cumulative;
      };
      expect(step('2026-06-13') + step('2026-06-14')).toBeLessThan(step('2026-06-15') + step('2026-06-16'));
    });

    it('places past periods on the calendar by their start when given, so a missing month does not shift their weekdays', () => {
      const may = previousPeriod(june, UTC);
      const april = previousPeriod(may, UTC);
      const withStart = (p: BillingPeriod) => [{ cumulativeByDay: cumulative(firstSeen(p)), periodStart: p.start }];
      const withoutStart = (p: BillingPeriod) => [{ cumulativeByDay: cumulative(firstSeen(p)) }];
      // Contiguous history: the start says what the inference would have.
      expect(projectPeriod(at(june, 10, { history: withStart(may) }))).toEqual(
        projectPeriod(at(june, 10, { history: withoutStart(may) })),
      );
      // May missing: April's days are April's, not the 30 days before June.
      expect(projectPeriod(at(june, 10, { history: withStart(april) })).dailyCurve).not.toEqual(
        projectPeriod(at(june, 10, { history: withoutStart(april) })).dailyCurve,
      );
    });
  });

  it('projects 0 with a band when no handle has been seen yet', () => {
    const x = projectPeriod(at(june, 2, { perDay: [0, 0] }));
    expect(x).toMatchObject({
      uniqueHandles: 0,
      low: 0,
      overageHandles: 0,
      overageCostMinor: 0n,
      exceedsAllowanceOn: null,
      confidence: 'low',
    });
    expect(x.high).toBeGreaterThan(0);
    expect(x.dailyCurve).toHaveLength(29);
    expect(x.dailyCurve.every((p) => p.cumulative === 0 && p.low === 0)).toBe(true);

    const withHistory = projectPeriod(
      at(june, 0, { perDay: [], now: june.start, history: steadyHistory(june, UTC, 3) }),
    );
    expect(withHistory.uniqueHandles).toBe(0);
    expect(withHistory.high).toBeGreaterThanOrEqual(truth);
  });

  it('names the day the count went over the allowance when it already has', () => {
    expect(cumulative(firstSeen(june)).slice(0, 3)).toEqual([203, 279, 311]);
    expect(projectPeriod(at(june, 10, { allowance: 250 })).exceedsAllowanceOn).toBe('2026-06-02');
    // Reaching the allowance is not going over it.
    expect(projectPeriod(at(june, 10, { allowance: 279 })).exceedsAllowanceOn).toBe('2026-06-03');
    // Over it on day one.
    expect(projectPeriod(at(june, 1, { allowance: 0 })).exceedsAllowanceOn).toBe('2026-06-01');
  });

  it('names the projected day when the curve will go over the allowance, and null when it will not', () => {
    const history = steadyHistory(june, UTC, 6);
    const x = projectPeriod(at(june, 10, { history, allowance: truth - 40 }));
    const seen = total(firstSeen(june).slice(0, 10));
    expect(x.uniqueHandles).toBeGreaterThan(truth - 40);
    expect(x.exceedsAllowanceOn).not.toBeNull();
    expect(x.exceedsAllowanceOn! > '2026-06-10').toBe(true);
    expect(x.exceedsAllowanceOn).toBe(x.dailyCurve.find((p) => p.cumulative > truth - 40)!.date);
    expect(seen).toBeLessThanOrEqual(truth - 40);
    expect(projectPeriod(at(june, 10, { history, allowance: truth + 100 })).exceedsAllowanceOn).toBeNull();
  });

  it('prices the overage exactly, in cents, as a bigint', () => {
    const x = projectPeriod(at(june, 10, { allowance: 100, overagePriceMinor: 1250n }));
    expect(x.overageHandles).toBe(x.uniqueHandles - 100);
    expect(x.overageCostMinor).toBe(BigInt(x.uniqueHandles - 100) * 1250n);
    // A price beyond 2^53 cents stays exact.
    const huge = 9_007_199_254_740_993n;
    const y = projectPeriod(at(june, 10, { allowance: 100, overagePriceMinor: huge }));
    expect(y.overageCostMinor).toBe(BigInt(y.overageHandles) * huge);
    expect(y.overageCostMinor % huge).toBe(0n);
    expect(projectPeriod(at(june, 10, { allowance: 100_000 })).overageCostMinor).toBe(0n);
  });

  it('never puts the low end below the count already seen, nor lets the daily curve step back', () => {
    const inputs = [1, 2, 5, 9, 16, 29].flatMap((d) => [
      at(june, d),
      at(june, d, { history: steadyHistory(june, UTC, 4) }),
    ]);
    // A bursty month too: a campaign in week 2.
    const bursty = firstSeen(june).map((n, i) => (i >= 7 && i < 10 ? n + 120 : n));
    inputs.push(at(june, 9, { perDay: bursty }), at(june, 9, { perDay: bursty, history: steadyHistory(june, UTC, 4) }));
    for (const input of inputs) {
      const seen = total(input.newHandlesPerDay);
      const x = projectPeriod(input);
      expect(x.low).toBeGreaterThanOrEqual(seen);
      expect(x.low).toBeLessThanOrEqual(x.uniqueHandles);
      expect(x.uniqueHandles).toBeLessThanOrEqual(x.high);
      for (const v of [x.uniqueHandles, x.low, x.high]) expect(Number.isInteger(v)).toBe(true);
      x.dailyCurve.forEach((p, i) => {
        expect(p.low).toBeLessThanOrEqual(p.cumulative);
        expect(p.cumulative).toBeLessThanOrEqual(p.high);
        expect(p.low).toBeGreaterThanOrEqual(seen);
        if (i > 0) {
          expect(p.cumulative).toBeGreaterThanOrEqual(x.dailyCurve[i - 1].cumulative);
          expect(p.low).toBeGreaterThanOrEqual(x.dailyCurve[i - 1].low);
          expect(p.high).toBeGreaterThanOrEqual(x.dailyCurve[i - 1].high);
        }
      });
      expect(x.dailyCurve[x.dailyCurve.length - 1]).toMatchObject({
        cumulative: x.uniqueHandles,
        low: x.low,
        high: x.high,
      });
    }
  });

  describe('local days in a time zone with DST (America/New_York)', () => {
    const NY: BillingCycle = { timezone: 'America/New_York', billingDay: 1 };

    it('counts March 2026 (clocks forward on the 8th) as 31 days', () => {
      const march = periodByKey('2026-03', NY);
      expect(march.end.getTime() - march.start.getTime()).toBe(31 * DAY_MS - 3_600_000);
      const perDay = firstSeen(march);
      // Noon local on March 10th: day index 9, today half seen.
      const now = DateTime.fromObject({ year: 2026, month: 3, day: 10, hour: 12 }, { zone: NY.timezone }).toJSDate();
      const x = projectPeriod({ ...at(march, 10, { perDay }), now });
      expect(x.dailyCurve).toHaveLength(22);
      expect(x.dailyCurve[0].date).toBe('2026-03-10');
      expect(x.dailyCurve[x.dailyCurve.length - 1].date).toBe('2026-03-31');
      expect(x.uniqueHandles).toBeLessThan(total(perDay.slice(0, 10)) / ((9.5 * 24 - 1) / (31 * 24 - 1)));
    });

    it('counts the 25-hour day when the clocks go back (November 1st, 2026) as one day', () => {
      const november = periodByKey('2026-11', NY);
      expect(november.end.getTime() - november.start.getTime()).toBe(30 * DAY_MS + 3_600_000);
      // 23:30 local on the 1st is already the 2nd in UTC, and still day one here.
      const now = DateTime.fromObject(
        { year: 2026, month: 11, day: 1, hour: 23, minute: 30 },
        { zone: NY.timezone },
      ).toJSDate();
      expect(now.toISOString()).toBe('2026-11-02T04:30:00.000Z');
      const x = projectPeriod({ ...at(november, 1), now });
      expect(x.dailyCurve).toHaveLength(30);
      expect(x.dailyCurve[0].date).toBe('2026-11-01');
      expect(x.dailyCurve[29].date).toBe('2026-11-30');
      // One minute later it is day two.
      const y = projectPeriod({
        ...at(november, 2),
        now: new Date(november.start.getTime() + 25 * 3_600_000 + 60_000),
      });
      expect(y.dailyCurve[0].date).toBe('2026-11-02');
    });
  });

  it('stays finite in the first minute of a period and closes on the count on its last day', () => {
    const early = projectPeriod(at(june, 1, { perDay: [5], now: new Date(june.start.getTime() + 60_000) }));
    expect(early.uniqueHandles).toBeGreaterThanOrEqual(5);
    expect(Number.isSafeInteger(early.high)).toBe(true);
    expect(early.dailyCurve).toHaveLength(30);
    expect(early.confidence).toBe('low');

    const lastSecond = projectPeriod(at(june, 30, { history: steadyHistory(june, UTC, 3) }));
    expect(lastSecond.dailyCurve).toHaveLength(1);
    expect(lastSecond.dailyCurve[0]).toMatchObject({ date: '2026-06-30', cumulative: truth, low: truth });
    expect(lastSecond.uniqueHandles).toBe(truth);
    expect(lastSecond.high - truth).toBeLessThanOrEqual(1);
  });

  it('counts extra days sent past today as today rather than losing them', () => {
    const input = at(june, 5);
    const x = projectPeriod({ ...input, newHandlesPerDay: [...input.newHandlesPerDay, 7] });
    expect(x.low).toBeGreaterThanOrEqual(total(input.newHandlesPerDay) + 7);
  });

  it('refuses a now outside the period, and counts that are not counts', () => {
    expect(() => projectPeriod(at(june, 5, { now: june.end }))).toThrow(RangeError);
    expect(() => projectPeriod(at(june, 5, { now: new Date(june.start.getTime() - 1) }))).toThrow(RangeError);
    expect(() => projectPeriod(at(june, 2, { perDay: [3, -1] }))).toThrow(RangeError);
  });
});
