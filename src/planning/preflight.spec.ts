import { preflightFigures } from './preflight-figures';
import { parsePreflightBody } from './preflight-request';

describe('preflight request', () => {
  it('reads "@name", "name" and user IDs, once each (case-insensitively), in the order sent', () => {
    expect(parsePreflightBody({ handles: ['@Acme', '1234', 'acme', '@acme', 'bob_1', '0123'] })).toEqual([
      { ref: '@Acme', name: 'acme', userId: null },
      { ref: '1234', name: '1234', userId: '1234' },
      { ref: 'acme', name: 'acme', userId: null },
      { ref: 'bob_1', name: 'bob_1', userId: null },
      { ref: '0123', name: '0123', userId: null }, // a leading zero is no user ID, but may be a name
    ]);
    expect(parsePreflightBody({ handles: ['99999999999999999999'] })[0].userId).toBeNull(); // past bigint
  });

  it('refuses a long array before reading its items, and lists at most 20 bad items with the total', () => {
    const long = new Proxy(new Array(10_001), {
      get: (a, k) => (/^\d+$/.test(String(k)) ? fail(`item ${String(k)} was read`) : Reflect.get(a, k)),
    });
    expect(() => parsePreflightBody({ handles: long })).toThrow(/at most 10000/);
    try {
      parsePreflightBody({ handles: Array.from({ length: 30 }, (_, i) => (i % 2 ? 'ok' : 'not ok')) });
      fail('accepted');
    } catch (e) {
      const d = (e as { details: { fields: object; total: number } }).details;
      expect(d.total).toBe(15);
      expect(Object.keys(d.fields)).toHaveLength(15);
    }
    for (const body of [null, [], 'x', { handles: {} }, { handles: [], more: 1 }, {}])
      expect(() => parsePreflightBody(body)).toThrow();
  });
});

describe('preflight figures', () => {
  const base = {
    uniqueHandles: 3,
    allowance: 5,
    overagePriceMinor: 1234n,
    currency: 'USD',
    enforcement: 'track' as const,
    alreadyCounted: 2,
  };
  it('new handles past the room left are overage under track', () => {
    expect(preflightFigures({ ...base, new: 4 })).toEqual({
      overageHandles: 2,
      overageCost: { amount: '24.68', currency: 'USD' },
      blockedHandles: 0,
      remainingAfter: 0,
    });
    expect(preflightFigures({ ...base, new: 1 })).toEqual({
      overageHandles: 0,
      overageCost: { amount: '0.00', currency: 'USD' },
      blockedHandles: 0,
      remainingAfter: 1,
    });
    // Already over: every new handle is overage.
    expect(preflightFigures({ ...base, uniqueHandles: 9, new: 3 }).overageHandles).toBe(3);
  });
  it('are refused, not overage, under block', () => {
    expect(preflightFigures({ ...base, enforcement: 'block', new: 4 })).toEqual({
      overageHandles: 0,
      overageCost: { amount: '0.00', currency: 'USD' },
      blockedHandles: 2,
      remainingAfter: 0,
    });
  });
});
