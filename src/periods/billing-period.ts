import { DateTime, IANAZone } from 'luxon';

/**
 * Billing periods in a contract's time zone. This is the one place that computes period
 * boundaries; everything else asks it.
 *
 * A period starts at the first instant of local day `billingDay` (00:00, or the end of the DST
 * gap when 00:00 does not exist that day, or the earlier 00:00 when it happens twice) and ends
 * exactly where the next one starts. It is named `YYYY-MM` by the local month it starts in.
 */

export interface BillingCycle {
  timezone: string;
  billingDay: number;
}

export interface BillingPeriod {
  key: string;
  start: Date;
  end: Date;
  timezone: string;
}

export class InvalidPeriodKeyError extends Error {
  constructor(readonly key: string) {
    super(`"${key}" is not a billing period: use YYYY-MM with a month from 01 to 12 and a year from 2000 to 2999.`);
    this.name = new.target.name;
  }
}

/** A programming error: contracts are validated on the way in, so a bad cycle here is a bug. */
export class InvalidBillingCycleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export const MIN_BILLING_DAY = 1;
export const MAX_BILLING_DAY = 28;
const MIN_KEY_YEAR = 2000;
const MAX_KEY_YEAR = 2999;
const KEY_PATTERN = /^([0-9]{4})-([0-9]{2})$/;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Checking a zone builds an Intl formatter, so each valid name is checked once. */
const zones = new Map<string, IANAZone>();

export function isValidTimezone(tz: string): boolean {
  return typeof tz === 'string' && (zones.has(tz) || IANAZone.isValidZone(tz));
}

/** The zone's canonical spelling per Intl (`america/new_york` → `America/New_York`, `utc` → `UTC`). */
export function canonicalTimezone(tz: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: zoneOf(tz).name }).resolvedOptions().timeZone;
}

export function localDate(instant: Date, timezone: string): string {
  return DateTime.fromMillis(millisOf(instant), { zone: zoneOf(timezone) }).toISODate() as string;
}

export function periodContaining(instant: Date, cycle: BillingCycle): BillingPeriod {
  const zone = checkCycle(cycle);
  const t = millisOf(instant);
  const local = DateTime.fromMillis(t, { zone });
  const month = monthIndex(local.year, local.month) - (local.day < cycle.billingDay ? 1 : 0);
  // The local date can step backwards at a fall-back that crosses midnight, so the month read
  // from it may be one off; the instants decide.
  const period = periodOfMonth(month, cycle.billingDay, zone, cycle.timezone);
  if (t < period.start.getTime()) return periodOfMonth(month - 1, cycle.billingDay, zone, cycle.timezone);
  if (t >= period.end.getTime()) return periodOfMonth(month + 1, cycle.billingDay, zone, cycle.timezone);
  return period;
}

export function periodByKey(key: string, cycle: BillingCycle): BillingPeriod {
  const month = parseKey(key);
  const year = Math.floor(month / 12);
  if (year < MIN_KEY_YEAR || year > MAX_KEY_YEAR) throw new InvalidPeriodKeyError(key);
  return periodOfMonth(month, cycle.billingDay, checkCycle(cycle), cycle.timezone);
}

/** `p` must come from the same cycle: the neighbour is found by its key. */
export function nextPeriod(p: BillingPeriod, cycle: BillingCycle): BillingPeriod {
  return periodOfMonth(parseKey(p.key) + 1, cycle.billingDay, checkCycle(cycle), cycle.timezone);
}

/** `p` must come from the same cycle: the neighbour is found by its key. */
export function previousPeriod(p: BillingPeriod, cycle: BillingCycle): BillingPeriod {
  return periodOfMonth(parseKey(p.key) - 1, cycle.billingDay, checkCycle(cycle), cycle.timezone);
}

/**
 * Caches the current period so the gateway's hot path does not redo zone arithmetic per call:
 * recomputes only when the instant falls outside the cached [start, end). One clock per cycle;
 * a contract whose timezone or billingDay changes needs a new clock. Treat the returned period
 * (and its Dates) as read-only: it is shared by every caller.
 */
export class PeriodClock {
  readonly cycle: Readonly<BillingCycle>;
  private current: BillingPeriod | undefined;
  private startMs = 0;
  private endMs = 0;

  constructor(cycle: BillingCycle) {
    checkCycle(cycle);
    this.cycle = Object.freeze({ timezone: cycle.timezone, billingDay: cycle.billingDay });
  }

  periodOf(instant: Date): BillingPeriod {
    const t = millisOf(instant);
    if (this.current === undefined || t < this.startMs || t >= this.endMs) {
      this.current = periodContaining(instant, this.cycle);
      this.startMs = this.current.start.getTime();
      this.endMs = this.current.end.getTime();
    }
    return this.current;
  }
}

function periodOfMonth(month: number, billingDay: number, zone: IANAZone, timezone: string): BillingPeriod {
  const year = Math.floor(month / 12);
  const monthOfYear = (month % 12) + 1;
  return Object.freeze({
    key: `${String(year).padStart(4, '0')}-${String(monthOfYear).padStart(2, '0')}`,
    start: new Date(startOfLocalDay(zone, year, monthOfYear, billingDay)),
    end: new Date(startOfLocalDay(zone, Math.floor((month + 1) / 12), ((month + 1) % 12) + 1, billingDay)),
    timezone,
  });
}

/**
 * The first instant whose local date is the given day. Luxon's `DateTime.fromObject` is not
 * enough here: when midnight happens twice (America/Havana falls back from 01:00 to 00:00) it
 * picks the later one, and when a gap straddles midnight it moves 00:00 forward by the gap's
 * length rather than to the gap's end. So: try midnight under the offsets in force a day either
 * side, keep the earliest that really is local midnight, and if neither is (midnight is inside
 * a gap) find the transition out of the gap.
 */
function startOfLocalDay(zone: IANAZone, year: number, month: number, day: number): number {
  const midnight = wallClockMillis(year, month, day);
  const wallOf = (t: number): number => t + zone.offset(t) * MINUTE_MS;
  const offsetBefore = zone.offset(midnight - DAY_MS);
  const offsetAfter = zone.offset(midnight + DAY_MS);
  const candidates = [midnight - offsetBefore * MINUTE_MS, midnight - offsetAfter * MINUTE_MS].filter(
    (t) => wallOf(t) === midnight,
  );
  if (candidates.length > 0) return Math.min(...candidates);

  // Midnight is skipped: wallOf(lo) < midnight <= wallOf(hi); find the first instant at or past it.
  let lo = midnight - offsetAfter * MINUTE_MS;
  let hi = midnight - offsetBefore * MINUTE_MS;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (wallOf(mid) < midnight) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** A local date-time read as if it were UTC (setUTCFullYear, unlike Date.UTC, keeps years 0-99). */
function wallClockMillis(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

function monthIndex(year: number, month: number): number {
  return year * 12 + (month - 1);
}

function parseKey(key: string): number {
  const match = typeof key === 'string' ? KEY_PATTERN.exec(key) : null;
  const month = match ? Number(match[2]) : 0;
  if (!match || month < 1 || month > 12) throw new InvalidPeriodKeyError(String(key));
  return monthIndex(Number(match[1]), month);
}

function zoneOf(timezone: string): IANAZone {
  let zone = zones.get(timezone);
  if (zone === undefined) {
    if (!isValidTimezone(timezone)) throw new InvalidBillingCycleError(`"${timezone}" is not an IANA time zone.`);
    zone = IANAZone.create(timezone);
    zones.set(timezone, zone);
  }
  return zone;
}

function checkCycle(cycle: BillingCycle): IANAZone {
  const { billingDay } = cycle;
  if (!Number.isInteger(billingDay) || billingDay < MIN_BILLING_DAY || billingDay > MAX_BILLING_DAY) {
    throw new InvalidBillingCycleError(
      `billingDay must be a whole number from ${MIN_BILLING_DAY} to ${MAX_BILLING_DAY}, not ${billingDay}.`,
    );
  }
  return zoneOf(cycle.timezone);
}

function millisOf(instant: Date): number {
  const t = instant instanceof Date ? instant.getTime() : NaN;
  if (Number.isNaN(t)) throw new RangeError('Expected a valid Date.');
  return t;
}
