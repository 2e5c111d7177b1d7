import { fitsBigint, MAX_BIGINT } from './bigint-id';

describe('fitsBigint', () => {
  it("takes 1 to 19 digits up to bigint's largest value, and nothing past it", () => {
    for (const ok of ['0', '1', '2244994945', MAX_BIGINT, '0999999999999999999', '1000000000000000000'])
      expect(fitsBigint(ok)).toBe(true);
    for (const bad of [
      '',
      '9223372036854775808',
      '9999999999999999999',
      '10000000000000000000',
      '-1',
      '1.5',
      ' 1',
      '1e3',
      '١',
    ])
      expect(fitsBigint(bad)).toBe(false);
  });
});
