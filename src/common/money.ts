/**
 * Money as integer minor units (`bigint` cents). Amounts are parsed from and formatted to the
 * API's decimal strings by string handling alone: no `Number` ever holds an amount, so nothing
 * is lost to binary floating point or to the 2^53 limit.
 */

/** The API shape: `amount` has exactly two decimals, e.g. `{ "amount": "1250.00", "currency": "USD" }`. */
export interface Money {
  amount: string;
  currency: string;
}

export class InvalidMoneyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export const MAX_INTEGER_DIGITS = 15;
const AMOUNT = /^([0-9]+)(?:\.([0-9]{1,2}))?$/;
const CURRENCY = /^[A-Z]{3}$/;

/** "12" → 1200n, "12.5" → 1250n, "12.50" → 1250n. Leading zeros are allowed and not counted as digits. */
export function parseAmount(amount: string): bigint {
  if (typeof amount !== 'string')
    throw new InvalidMoneyError('amount must be a decimal string such as "12.50", not a number.');
  const match = AMOUNT.exec(amount);
  if (match === null) throw new InvalidMoneyError(whyNotAnAmount(amount));
  const [, units, cents = ''] = match;
  if (units.replace(/^0+/, '').length > MAX_INTEGER_DIGITS) {
    throw new InvalidMoneyError(`amount must have at most ${MAX_INTEGER_DIGITS} digits before the decimal point.`);
  }
  return BigInt(units) * 100n + BigInt(cents.padEnd(2, '0'));
}

export function isValidCurrency(c: string): boolean {
  return typeof c === 'string' && CURRENCY.test(c);
}

/** 125000n → "1250.00"; a negative amount (a credit or a difference) keeps its sign: -5n → "-0.05". */
export function formatMoney(minor: bigint, currency: string): Money {
  if (typeof minor !== 'bigint') throw new InvalidMoneyError('amount must be a bigint of minor units.');
  if (!isValidCurrency(currency))
    throw new InvalidMoneyError(`currency must be three uppercase letters such as "USD", not "${currency}".`);
  const sign = minor < 0n ? '-' : '';
  const digits = (minor < 0n ? -minor : minor).toString().padStart(3, '0');
  return { amount: `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`, currency };
}

/** Price × count, e.g. the overage price times the overage handles. `count` must be a whole number. */
export function multiply(minor: bigint, count: number | bigint): bigint {
  if (typeof count === 'bigint') return minor * count;
  if (!Number.isSafeInteger(count)) throw new RangeError(`count must be a whole number, not ${count}.`);
  return minor * BigInt(count);
}

/** Names the first rule the amount breaks, so the client knows what to fix. */
function whyNotAnAmount(amount: string): string {
  if (amount.trim() === '') return 'amount must not be empty.';
  if (/\s/.test(amount)) return 'amount must not contain spaces.';
  if (amount.startsWith('-')) return 'amount must not be negative.';
  if (/[eE]/.test(amount)) return 'amount must not use exponent notation; write the digits out.';
  if (/^[0-9]+\.[0-9]{3,}$/.test(amount)) return 'amount must have at most two decimals.';
  return 'amount must be digits with an optional "." and one or two decimals, such as "12" or "12.50".';
}

const DISPLAY = new Map<string, Intl.NumberFormat>();

/**
 * Money as people read it: the ISO code (unambiguous where contracts bill in several currencies),
 * thousands separators, exactly the two decimals the API carries: "USD 10,475.00". Intl formats
 * the decimal string itself, so no float ever holds the amount.
 */
export function displayMoney(m: Money): string {
  let f = DISPLAY.get(m.currency);
  if (!f) {
    f = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: m.currency,
      currencyDisplay: 'code',
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
    DISPLAY.set(m.currency, f);
  }
  // Intl's type takes a number, but it formats a decimal string exactly (ECMA-402 "Intl.NumberFormat v3").
  return f.format(m.amount as unknown as number).replace(/\u00a0/g, ' ');
}

/** A count as people read it: 10475 → "10,475". */
export function displayCount(n: number): string {
  return n.toLocaleString('en-US');
}
