import { figures } from './figures';

describe('figures', () => {
  const terms = { allowance: 500, overagePriceMinor: 1250n, currency: 'USD', countPolicy: 'attempted' as const };

  it('charges each handle over the allowance at the overage price, to the cent', () => {
    expect(figures(terms, { attempted: 538, confirmed: 530, calls: 9 })).toMatchObject({
      uniqueHandles: 538,
      remaining: 0,
      overageHandles: 38,
      overageCost: { amount: '475.00', currency: 'USD' },
      overagePrice: { amount: '12.50', currency: 'USD' },
    });
  });

  it('charges nothing under the allowance and says what remains', () => {
    expect(figures(terms, { attempted: 412, confirmed: 405, calls: 18234 })).toMatchObject({
      uniqueHandles: 412,
      remaining: 88,
      overageHandles: 0,
      overageCost: { amount: '0.00' },
    });
  });

  it('countPolicy confirmed bills the confirmed count', () => {
    expect(figures({ ...terms, countPolicy: 'confirmed' }, { attempted: 510, confirmed: 501, calls: 1 })).toMatchObject(
      { uniqueHandles: 501, overageHandles: 1, overageCost: { amount: '12.50' } },
    );
  });

  it('stays exact for prices and counts whose product exceeds 2^53 cents', () => {
    const big = figures(
      { ...terms, allowance: 0, overagePriceMinor: 90071992547409n },
      { attempted: 1000, confirmed: 0, calls: 0 },
    );
    expect(big.overageCost.amount).toBe('900719925474090.00');
  });
});
