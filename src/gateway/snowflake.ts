/**
 * Tweet IDs are snowflakes: `((ms - twepoch) << 22) | datacenter << 17 | worker << 12 | seq`,
 * unsigned 64-bit (docs/x-api-facts.md §5). They are handled as decimal strings throughout,
 * because JS numbers lose precision above 2^53.
 */

/** Twitter's snowflake epoch, 2010-11-04T01:42:54.657Z. */
export const TWITTER_EPOCH_MS = 1288834974657;

const TWITTER_EPOCH = BigInt(TWITTER_EPOCH_MS);
const TIMESTAMP_SHIFT = 22n;
/** 2^64 - 1; a 20-digit ID must not compare above it (same length, so string order = numeric order). */
const MAX_UINT64 = '18446744073709551615';
const DIGITS = /^[0-9]+$/;

/** True for a non-empty string of ASCII digits only (no sign, spaces, `0x`, exponent). */
export function isDigitString(value: unknown): value is string {
  return typeof value === 'string' && DIGITS.test(value);
}

/** True for a string that X accepts as a Tweet ID: 1–20 digits whose value fits in an unsigned 64-bit integer. */
export function isTweetId(value: unknown): value is string {
  if (!isDigitString(value) || value.length > 20) return false;
  return value.length < 20 || value <= MAX_UINT64;
}

/**
 * Creation time of a Tweet in epoch milliseconds, read from its ID. Always an exact integer:
 * the largest possible value is 2^42 + twepoch, far below 2^53.
 * Throws a TypeError for anything `isTweetId` refuses (BigInt alone would accept "", " 1", "0x1").
 */
export function tweetCreatedMs(id: string): number {
  if (!isTweetId(id)) throw new TypeError(`Not a Tweet ID: ${JSON.stringify(id)}`);
  return Number((BigInt(id) >> TIMESTAMP_SHIFT) + TWITTER_EPOCH);
}

/** Creation time of a Tweet, read from its ID. IDs from before snowflakes (late 2010) all read as 2010-11-04. */
export function tweetCreatedAt(id: string): Date {
  return new Date(tweetCreatedMs(id));
}

/**
 * The smallest Tweet ID that can have been created at `time` (worker and sequence bits zero).
 * For tests and the X simulator: `tweetCreatedAt(tweetIdAt(t))` is `t`, to the millisecond.
 */
export function tweetIdAt(time: Date | number): string {
  const ms = typeof time === 'number' ? time : time.getTime();
  if (!Number.isInteger(ms) || ms < TWITTER_EPOCH_MS) {
    throw new RangeError(
      `No snowflake Tweet ID exists for ${String(time)}: the snowflake epoch is ${new Date(TWITTER_EPOCH_MS).toISOString()}.`,
    );
  }
  return ((BigInt(ms) - TWITTER_EPOCH) << TIMESTAMP_SHIFT).toString();
}
