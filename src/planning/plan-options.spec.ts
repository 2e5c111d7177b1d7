import { defaultAllowances, parseAllowances, planOptions } from './plan-options';

describe('plan options', () => {
  it('defaults to the current allowance and ±25 %, ±50 %, whole handles, half up, no repeats', () => {
    expect(defaultAllowances(500)).toEqual([250, 375, 500, 625, 750]);
    expect(defaultAllowances(90)).toEqual([45, 68, 90, 113, 135]); // 67.5 → 68, 112.5 → 113
    expect(defaultAllowances(1)).toEqual([1, 2]); // 0.5 → 1, 0.75 → 1, 1.25 → 1, 1.5 → 2
    expect(defaultAllowances(0)).toEqual([0]);
  });

  it('parses ?allowances= strictly', () => {
    expect(parseAllowances(undefined)).toBeUndefined();
    expect(parseAllowances('600, 400,500,400')).toEqual([400, 500, 600]);
    expect(parseAllowances('0')).toEqual([0]);
    for (const bad of ['', 'a', '1,,2', '-1', '1.5', '1e3', '1000000001', Array(21).fill('1').join(',')])
      expect(() => parseAllowances(bad)).toThrow(/allowances/);
  });

  it('sums each period’s overage and prices it in cents', () => {
    const periods = [
      { period: '2026-10', uniqueHandles: 7, projected: false },
      { period: '2026-11', uniqueHandles: 3, projected: false },
      { period: '2026-12', uniqueHandles: 6, projected: true },
    ];
    expect(planOptions(periods, [4, 10], 1999n, 'USD')).toEqual([
      { allowance: 4, overageHandles: 5, overageCost: { amount: '99.95', currency: 'USD' }, perPeriod: [3, 0, 2] },
      { allowance: 10, overageHandles: 0, overageCost: { amount: '0.00', currency: 'USD' }, perPeriod: [0, 0, 0] },
    ]);
  });
});
