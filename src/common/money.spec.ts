import { displayMoney, formatMoney, InvalidMoneyError, isValidCurrency, multiply, parseAmount } from './money';

describe('money', () => {
  describe('parseAmount', () => {
    it.each([
      ['0', 0n],
      ['0.00', 0n],
      ['0.01', 1n],
      ['0.1', 10n],
      ['12', 1200n],
      ['12.5', 1250n],
      ['12.50', 1250n],
      ['1250.00', 125000n],
      ['007.05', 705n],
      ['999999999999999.99', 99999999999999999n],
    ])('reads %p as %p cents', (amount, cents) => {
      expect(parseAmount(amount)).toBe(cents);
    });

    it('reads amounts past 2^53 cents exactly', () => {
      // 2^53 + 1 cents: the nearest double is 2^53, so any detour through Number would show.
      expect(parseAmount('90071992547409.93')).toBe(9007199254740993n);
      expect(Number.MAX_SAFE_INTEGER).toBeLessThan(2 ** 53 + 2);
      expect(formatMoney(parseAmount('90071992547409.93'), 'USD').amount).toBe('90071992547409.93');
    });

    it.each([
      ['-1', /negative/],
      ['-0.01', /negative/],
      ['1.234', /at most two decimals/],
      ['0.001', /at most two decimals/],
      ['1e3', /exponent/],
      ['1E3', /exponent/],
      ['1.5e2', /exponent/],
      [' 12', /spaces/],
      ['12 ', /spaces/],
      ['1 000', /spaces/],
      ['', /empty/],
      ['1000000000000000', /at most 15 digits/],
      ['1000000000000000.00', /at most 15 digits/],
      ['12.', /digits with an optional/],
      ['.5', /digits with an optional/],
      ['+12', /digits with an optional/],
      ['1,000.00', /digits with an optional/],
      ['0x10', /digits with an optional/],
      ['NaN', /digits with an optional/],
      ['Infinity', /digits with an optional/],
      ['１２', /digits with an optional/],
    ])('refuses %p, naming the rule', (amount, rule) => {
      expect(() => parseAmount(amount)).toThrow(InvalidMoneyError);
      expect(() => parseAmount(amount)).toThrow(rule);
    });

    it('refuses a number where a string belongs', () => {
      expect(() => parseAmount(12.5 as unknown as string)).toThrow(/decimal string/);
    });
  });

  describe('formatMoney', () => {
    it.each([
      [0n, '0.00'],
      [1n, '0.01'],
      [10n, '0.10'],
      [100n, '1.00'],
      [125000n, '1250.00'],
      [9007199254740993n, '90071992547409.93'],
      [123456789012345678901234567890n, '1234567890123456789012345678.90'],
      [-5n, '-0.05'],
      [-125050n, '-1250.50'],
    ])('writes %p cents as %p', (minor, amount) => {
      expect(formatMoney(minor, 'USD')).toEqual({ amount, currency: 'USD' });
    });

    it('round-trips every amount it parses', () => {
      for (const amount of ['0.00', '0.01', '0.99', '1.00', '12.50', '1250.00', '999999999999999.99']) {
        expect(formatMoney(parseAmount(amount), 'EUR').amount).toBe(amount);
      }
    });

    it('refuses a bad currency', () => {
      expect(() => formatMoney(1n, 'usd')).toThrow(InvalidMoneyError);
    });
  });

  describe('isValidCurrency', () => {
    it.each(['USD', 'EUR', 'JPY'])('accepts %p', (c) => expect(isValidCurrency(c)).toBe(true));
    it.each(['usd', 'US', 'USDD', ' USD', '', 'U$D', 'ÜSD'])('refuses %p', (c) =>
      expect(isValidCurrency(c)).toBe(false),
    );
  });

  describe('multiply', () => {
    it('multiplies a price by a count of handles', () => {
      expect(multiply(parseAmount('12.50'), 38)).toBe(47500n);
      expect(formatMoney(multiply(parseAmount('12.50'), 38), 'USD').amount).toBe('475.00');
      expect(multiply(1250n, 0)).toBe(0n);
      expect(multiply(1250n, 3n)).toBe(3750n);
    });

    it('stays exact past 2^53 cents', () => {
      expect(multiply(parseAmount('999999999999999.99'), 1_000_000)).toBe(99999999999999999000000n);
    });

    it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('refuses the count %p', (count) => {
      expect(() => multiply(100n, count)).toThrow(RangeError);
    });
  });
});

describe('displayMoney', () => {
  it('groups thousands and keeps every cent, past what a double holds', () => {
    expect(displayMoney({ amount: '10475.00', currency: 'USD' })).toBe('USD 10,475.00');
    expect(displayMoney({ amount: '90071992547409.93', currency: 'EUR' })).toBe('EUR 90,071,992,547,409.93');
    expect(displayMoney({ amount: '-5.10', currency: 'GBP' })).toBe('-GBP 5.10');
  });
  it('shows cents even for a currency whose own minor unit differs, as the API carries them', () => {
    expect(displayMoney({ amount: '1250.50', currency: 'JPY' })).toBe('JPY 1,250.50');
  });
});
