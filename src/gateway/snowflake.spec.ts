import { isDigitString, isTweetId, tweetCreatedAt, tweetCreatedMs, tweetIdAt, TWITTER_EPOCH_MS } from './snowflake';

describe('snowflake Tweet IDs', () => {
  describe('tweetCreatedAt', () => {
    it('reads the @X Tweet of May 12, 2020 (docs/x-api-facts.md §5)', () => {
      expect(tweetCreatedAt('1260294888811347969').toISOString()).toBe('2020-05-12T19:44:51.296Z');
    });

    it('reads the @TwitterDev Tweet of April 6, 2017 (docs/x-api-facts.md §5)', () => {
      expect(tweetCreatedAt('850006245121695744').toISOString()).toBe('2017-04-06T15:24:15.846Z');
    });

    it('reads ID 0 and pre-snowflake IDs as the snowflake epoch', () => {
      expect(tweetCreatedMs('0')).toBe(TWITTER_EPOCH_MS);
      expect(tweetCreatedMs('20')).toBe(TWITTER_EPOCH_MS);
    });

    it('reads the largest unsigned 64-bit ID exactly', () => {
      expect(tweetCreatedMs('18446744073709551615')).toBe(2 ** 42 - 1 + TWITTER_EPOCH_MS);
    });

    it.each(['', ' 1', '1 ', '0x10', '-1', '1e3', '12a', '18446744073709551616', '123456789012345678901'])(
      'refuses %j instead of guessing',
      (id) => {
        expect(() => tweetCreatedAt(id)).toThrow(TypeError);
      },
    );
  });

  describe('tweetIdAt', () => {
    it('round-trips a time to the millisecond', () => {
      const t = new Date('2026-08-25T16:27:00.123Z');
      expect(tweetCreatedAt(tweetIdAt(t)).getTime()).toBe(t.getTime());
      expect(tweetCreatedMs(tweetIdAt(t.getTime()))).toBe(t.getTime());
    });

    it('gives the lowest ID of that millisecond', () => {
      const id = BigInt(tweetIdAt(new Date('2020-05-12T19:44:51.296Z')));
      expect(id <= 1260294888811347969n).toBe(true);
      expect(1260294888811347969n - id < 1n << 22n).toBe(true);
    });

    it('refuses times before the snowflake epoch', () => {
      expect(() => tweetIdAt(TWITTER_EPOCH_MS - 1)).toThrow(RangeError);
    });
  });

  describe('isDigitString / isTweetId', () => {
    it('accepts ASCII digits only', () => {
      expect(isDigitString('0123')).toBe(true);
      expect(isDigitString('')).toBe(false);
      expect(isDigitString('١٢')).toBe(false); // Arabic-Indic digits
      expect(isDigitString(123)).toBe(false);
    });

    it('accepts 1 to 20 digits up to 2^64 - 1', () => {
      expect(isTweetId('1')).toBe(true);
      expect(isTweetId('18446744073709551615')).toBe(true);
      expect(isTweetId('09999999999999999999')).toBe(true);
      expect(isTweetId('18446744073709551616')).toBe(false);
      expect(isTweetId('99999999999999999999')).toBe(false);
      expect(isTweetId('100000000000000000000')).toBe(false);
      // eslint-disable-next-line no-loss-of-precision -- the point: a JSON number cannot hold a Tweet ID
      expect(isTweetId(1260294888811347969)).toBe(false);
    });
  });
});
