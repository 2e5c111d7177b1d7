import { preflightFigures } from './preflight-figures';
import { distinctRefs, parsePreflightBody } from './preflight-request';

describe('preflight request', () => {
  it('reads "@name", "name" and user IDs in the order sent, each with its lowercased name and its user ID if it may be one', () => {
    expect(parsePreflightBody({ handles: ['@Acme', '1234', 'acme', '@acme', 'bob_1', '0123', '@1234'] })).toEqual({
      refs: ['@Acme', '1234', 'acme', '@acme', 'bob_1', '0123', '@1234'],
      names: ['acme', '1234', 'acme', 'acme', 'bob_1', '0123', '1234'],
      // A leading zero is no user ID, but may be a name; "@1234" is a name only.
      userIds: [null, '1234', null, null, null, null, null],
    });
    expect(parsePreflightBody({ handles: ['99999999999999999999'] }).userIds).toEqual([null]); // past bigint
  });

  it('lists references that name nothing once each, case-insensitively, in the order sent', () => {
    const refs = ['@Nobody', 'x', '@nobody', 'NOBODY', 'nobody', '@NoBody'];
    expect(distinctRefs(refs, [0, 2, 3, 4, 5])).toEqual(['@Nobody', 'NOBODY']);
    expect(distinctRefs(refs, [])).toEqual([]);
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
