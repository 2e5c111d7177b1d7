import { agreeWithCount, fitToCount } from './stated-count';
import { Projection } from './projection';

describe('fitToCount', () => {
  it('adds what is missing to today', () => expect(fitToCount([3, 2, 1], 10)).toEqual([3, 2, 5]));
  it('takes what is extra off the latest days', () => expect(fitToCount([3, 2, 1], 4)).toEqual([3, 1, 0]));
  it('leaves counts that add up alone', () => expect(fitToCount([3, 2, 1], 6)).toEqual([3, 2, 1]));
  it('gives a period without days its count on day 0', () => expect(fitToCount([], 7)).toEqual([7]));
});

describe('agreeWithCount', () => {
  const p: Projection = {
    uniqueHandles: 506,
    low: 401,
    high: 659,
    overageHandles: 6,
    overageCostMinor: 7500n,
    exceedsAllowanceOn: null,
    method: 'm',
    confidence: 'low',
    dailyCurve: [
      { date: '2026-11-29', cumulative: 470, low: 400, high: 600 },
      { date: '2026-11-30', cumulative: 506, low: 401, high: 659 },
    ],
  };

  it('never puts the low end below the count already used (the issue: 476 used, band 401-659)', () => {
    const q = agreeWithCount(p, 476, 500, 1250n);
    expect(q).toMatchObject({ uniqueHandles: 506, low: 476, high: 659, overageHandles: 6, overageCostMinor: 7500n });
    expect(q.dailyCurve.every((d) => d.low >= 476 && d.cumulative >= 476 && d.high >= d.cumulative)).toBe(true);
  });

  it('lifts a projection below the count to the count, and its overage with it', () => {
    const q = agreeWithCount(p, 700, 500, 1250n);
    expect(q).toMatchObject({
      uniqueHandles: 700,
      low: 700,
      high: 700,
      overageHandles: 200,
      overageCostMinor: 250000n,
    });
  });
});
