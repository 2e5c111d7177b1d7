import { DateTime, Info, Zone } from 'luxon';

/**
 * The local days of a billing period, as the projection sees them. Only the zone's UTC offsets at
 * a few instants are needed; the rest is calendar arithmetic on day numbers (days since
 * 1970-01-01), which is exact and fast: a month with a DST change still has as many local days as
 * its calendar says, although one of them is 23 or 25 hours long.
 */

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

export interface PeriodDays {
  /** day number of the period's first local day */
  firstDay: number;
  /** local days in the period */
  days: number;
  /** index of the local day that contains `now` */
  today: number;
  /** share of today (as bounded by the period) that has passed, 0..1 */
  todayElapsed: number;
}

export function periodDays(start: Date, end: Date, now: Date, timezone: string): PeriodDays {
  const s = start.getTime();
  const e = end.getTime();
  const n = now.getTime();
  if (!(s < e)) throw new RangeError('periodEnd must be after periodStart.');
  if (!(n >= s && n < e)) throw new RangeError('now must lie within [periodStart, periodEnd).');
  const zone = Info.normalizeZone(timezone);
  if (!zone.isValid) throw new RangeError(`"${timezone}" is not an IANA time zone.`);
  const firstDay = localDay(zone, s);
  const day = localDay(zone, n);
  const todayStart = Math.max(s, startOfLocalDay(zone, day));
  const todayEnd = Math.min(e, startOfLocalDay(zone, day + 1));
  return {
    firstDay,
    days: localDay(zone, e - 1) - firstDay + 1,
    today: day - firstDay,
    todayElapsed: todayEnd > todayStart ? Math.min(1, Math.max(0, (n - todayStart) / (todayEnd - todayStart))) : 1,
  };
}

/** Day number of the local day an instant falls on. */
export function localDayOf(instant: Date, timezone: string): number {
  return localDay(Info.normalizeZone(timezone), instant.getTime());
}

function localDay(zone: Zone, t: number): number {
  return Math.floor((t + zone.offset(t) * MINUTE_MS) / DAY_MS);
}

/**
 * Local midnight of a day, from the offset in force then (found in two steps, as the offset can
 * change across the day before). Where midnight itself does not exist (a DST gap at 00:00), an
 * instant within the gap's hour: close enough for the share of a day that has passed.
 */
function startOfLocalDay(zone: Zone, day: number): number {
  const wall = day * DAY_MS;
  const guess = wall - zone.offset(wall) * MINUTE_MS;
  return wall - zone.offset(guess) * MINUTE_MS;
}

/** Monday = 0 ... Sunday = 6 (1970-01-01, day 0, was a Thursday). */
export function weekdayOfDay(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

/** YYYY-MM-DD of a day number. */
export function isoDateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export interface LocalDay {
  date: string;
  start: number;
}

/** Periods' days never change, and Luxon spends a few ms on a month of them: each projection asks for thirteen months. */
const dayStarts = new Map<string, readonly LocalDay[]>();

/** The local dates [start, end) covers, in order. */
export function localDays(start: Date, end: Date, timezone: string): string[] {
  return localDayStarts(start, end, timezone).map((d) => d.date);
}

/**
 * The local dates [start, end) covers, in order, each with the instant it starts: local midnight
 * (the first instant of the day where midnight is skipped), the period's own start for the first.
 */
export function localDayStarts(start: Date, end: Date, timezone: string): readonly LocalDay[] {
  const key = `${start.getTime()}|${end.getTime()}|${timezone}`;
  const known = dayStarts.get(key);
  if (known) return known;
  const last = DateTime.fromJSDate(new Date(end.getTime() - 1), { zone: timezone }).startOf('day');
  const out: LocalDay[] = [];
  for (let d = DateTime.fromJSDate(start, { zone: timezone }).startOf('day'); d <= last; d = d.plus({ days: 1 })) {
    out.push({ date: d.toISODate()!, start: Math.max(d.toMillis(), start.getTime()) });
  }
  if (dayStarts.size >= 10_000) dayStarts.clear();
  dayStarts.set(key, Object.freeze(out));
  return out;
}
