import { DateTime } from 'luxon';
import {
  BillingCycle,
  BillingPeriod,
  InvalidBillingCycleError,
  InvalidPeriodKeyError,
  PeriodClock,
  canonicalTimezone,
  isValidTimezone,
  localDate,
  nextPeriod,
  periodByKey,
  periodContaining,
  previousPeriod,
} from './billing-period';

const at = (iso: string): Date => new Date(iso);
const shift = (d: Date, ms: number): Date => new Date(d.getTime() + ms);
const hours = (p: BillingPeriod): number => (p.end.getTime() - p.start.getTime()) / 3_600_000;
/** How the instant reads on a wall clock in the zone, with its offset. */
const wall = (d: Date, timezone: string): string =>
  DateTime.fromJSDate(d, { zone: timezone }).toFormat('yyyy-MM-dd HH:mm:ss.SSS ZZ');
const plain = (p: BillingPeriod) => ({
  key: p.key,
  start: p.start.toISOString(),
  end: p.end.toISOString(),
  timezone: p.timezone,
});

describe('billing periods', () => {
  describe('UTC, billing day 1: the calendar month', () => {
    const cycle: BillingCycle = { timezone: 'UTC', billingDay: 1 };

    it('names the period by its month and runs to the next month', () => {
      expect(plain(periodContaining(at('2026-11-23T18:00:00.000Z'), cycle))).toEqual({
        key: '2026-11',
        start: '2026-11-01T00:00:00.000Z',
        end: '2026-12-01T00:00:00.000Z',
        timezone: 'UTC',
      });
    });

    it('puts the boundary millisecond in the new period and the one before it in the old', () => {
      const boundary = at('2027-01-01T00:00:00.000Z');
      expect(periodContaining(shift(boundary, -1), cycle).key).toBe('2026-12');
      expect(periodContaining(boundary, cycle).key).toBe('2027-01');
      expect(periodContaining(shift(boundary, 1), cycle).key).toBe('2027-01');
    });
  });

  describe('zones east and west of UTC', () => {
    it.each([
      ['Asia/Tokyo', '2026-10-31T15:00:00.000Z', '2026-11-30T15:00:00.000Z'],
      ['Asia/Kolkata', '2026-10-31T18:30:00.000Z', '2026-11-30T18:30:00.000Z'],
      ['America/Los_Angeles', '2026-11-01T07:00:00.000Z', '2026-12-01T08:00:00.000Z'],
      ['America/St_Johns', '2026-11-01T02:30:00.000Z', '2026-12-01T03:30:00.000Z'],
    ])('%s: the November period starts and ends at local midnight', (timezone, start, end) => {
      const cycle = { timezone, billingDay: 1 };
      const p = periodByKey('2026-11', cycle);
      expect(plain(p)).toEqual({ key: '2026-11', start, end, timezone });
      expect(wall(p.start, timezone)).toMatch(/^2026-11-01 00:00:00.000 /);
      expect(wall(p.end, timezone)).toMatch(/^2026-12-01 00:00:00.000 /);
      expect(periodContaining(shift(p.start, -1), cycle).key).toBe('2026-10');
      expect(periodContaining(p.start, cycle).key).toBe('2026-11');
      expect(periodContaining(shift(p.end, -1), cycle).key).toBe('2026-11');
      expect(periodContaining(p.end, cycle).key).toBe('2026-12');
    });

    it('counts an instant by the local date, not the UTC date', () => {
      // 2026-11-30T20:00Z is already 1 December in Tokyo and still 30 November in Los Angeles.
      const instant = at('2026-11-30T20:00:00.000Z');
      expect(periodContaining(instant, { timezone: 'Asia/Tokyo', billingDay: 1 }).key).toBe('2026-12');
      expect(periodContaining(instant, { timezone: 'America/Los_Angeles', billingDay: 1 }).key).toBe('2026-11');
      expect(periodContaining(instant, { timezone: 'UTC', billingDay: 1 }).key).toBe('2026-11');
    });

    it('handles a half-hour offset west of UTC in winter', () => {
      const p = periodByKey('2026-01', { timezone: 'America/St_Johns', billingDay: 1 });
      expect(p.start.toISOString()).toBe('2026-01-01T03:30:00.000Z');
      expect(hours(p)).toBe(31 * 24);
    });
  });

  describe('daylight saving time', () => {
    it.each([
      // zone, key, hours in the period, start, end
      ['America/New_York', '2026-03', 743, '2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z'],
      ['America/New_York', '2026-11', 721, '2026-11-01T04:00:00.000Z', '2026-12-01T05:00:00.000Z'],
      ['Europe/Berlin', '2026-03', 743, '2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z'],
      ['Europe/Berlin', '2026-10', 745, '2026-09-30T22:00:00.000Z', '2026-10-31T23:00:00.000Z'],
    ])(
      '%s %s spans a clock change: %i hours, from local midnight to local midnight',
      (timezone, key, length, start, end) => {
        const p = periodByKey(key, { timezone, billingDay: 1 });
        expect(p.start.toISOString()).toBe(start);
        expect(p.end.toISOString()).toBe(end);
        expect(hours(p)).toBe(length);
        expect(wall(p.start, timezone)).toMatch(/^\d{4}-\d{2}-01 00:00:00.000 /);
        expect(wall(p.end, timezone)).toMatch(/^\d{4}-\d{2}-01 00:00:00.000 /);
      },
    );

    it('keeps a period that only touches a DST day whole when the change falls on the billing day', () => {
      // New York falls back at 02:00 on Sunday 1 November 2026: local midnight that day is still EDT.
      const cycle = { timezone: 'America/New_York', billingDay: 1 };
      expect(hours(periodByKey('2026-10', cycle))).toBe(31 * 24);
      expect(periodContaining(at('2026-11-01T05:30:00.000Z'), cycle).key).toBe('2026-11'); // 01:30 EDT
      expect(periodContaining(at('2026-11-01T06:30:00.000Z'), cycle).key).toBe('2026-11'); // 01:30 EST
    });
  });

  describe('zones whose clocks change at midnight', () => {
    it('starts at 01:00 when 00:00 is skipped (America/Havana springs forward from 00:00 to 01:00)', () => {
      const cycle = { timezone: 'America/Havana', billingDay: 8 };
      const p = periodByKey('2026-03', cycle);
      expect(wall(p.start, 'America/Havana')).toBe('2026-03-08 01:00:00.000 -04:00');
      expect(p.start.toISOString()).toBe('2026-03-08T05:00:00.000Z');
      expect(wall(shift(p.start, -1), 'America/Havana')).toBe('2026-03-07 23:59:59.999 -05:00');
      expect(periodContaining(shift(p.start, -1), cycle).key).toBe('2026-02');
      expect(periodContaining(p.start, cycle).key).toBe('2026-03');
      expect(hours(previousPeriod(p, cycle))).toBe(28 * 24);
    });

    it('starts at the first of two midnights (America/Havana falls back from 01:00 to 00:00)', () => {
      // Luxon's DateTime.fromObject picks the second 00:00 (-05:00); the day begins at the first.
      const cycle = { timezone: 'America/Havana', billingDay: 1 };
      const p = periodByKey('2026-11', cycle);
      expect(p.start.toISOString()).toBe('2026-11-01T04:00:00.000Z');
      expect(wall(p.start, 'America/Havana')).toBe('2026-11-01 00:00:00.000 -04:00');
      expect(periodContaining(shift(p.start, -1), cycle).key).toBe('2026-10');
      expect(periodContaining(at('2026-11-01T04:30:00.000Z'), cycle).key).toBe('2026-11'); // the first 00:30
      expect(periodContaining(at('2026-11-01T05:30:00.000Z'), cycle).key).toBe('2026-11'); // the second 00:30
      expect(hours(p)).toBe(30 * 24 + 1);
      expect(hours(previousPeriod(p, cycle))).toBe(31 * 24);
    });

    it('starts at 01:00 when America/Santiago springs forward at midnight', () => {
      const cycle = { timezone: 'America/Santiago', billingDay: 6 };
      const p = periodByKey('2026-09', cycle);
      expect(wall(p.start, 'America/Santiago')).toBe('2026-09-06 01:00:00.000 -03:00');
      expect(periodContaining(shift(p.start, -1), cycle).key).toBe('2026-08');
      expect(hours(p)).toBe(30 * 24 - 1);
    });

    it('gives the repeated hour of a Santiago fall-back to the period it belongs to', () => {
      // At 00:00 -03 on 5 April 2026 clocks go back to 23:00 -04 on 4 April; 00:00 then comes once.
      const cycle = { timezone: 'America/Santiago', billingDay: 5 };
      const p = periodByKey('2026-04', cycle);
      expect(wall(p.start, 'America/Santiago')).toBe('2026-04-05 00:00:00.000 -04:00');
      expect(periodContaining(at('2026-04-05T03:30:00.000Z'), cycle).key).toBe('2026-03'); // the second 23:30 on 4 April
      expect(hours(previousPeriod(p, cycle))).toBe(31 * 24 + 1);
    });
  });

  describe('billing days other than 1', () => {
    it('with day 28 gives February 28 days in a common year and 29 in a leap year', () => {
      const cycle = { timezone: 'UTC', billingDay: 28 };
      expect(plain(periodByKey('2026-02', cycle))).toMatchObject({
        start: '2026-02-28T00:00:00.000Z',
        end: '2026-03-28T00:00:00.000Z',
      });
      expect(hours(periodByKey('2026-02', cycle))).toBe(28 * 24);
      expect(hours(periodByKey('2028-02', cycle))).toBe(29 * 24);
      expect(hours(periodByKey('2026-01', cycle))).toBe(31 * 24);
      expect(periodContaining(at('2028-02-29T12:00:00.000Z'), cycle).key).toBe('2028-02');
      expect(periodContaining(at('2026-03-01T00:00:00.000Z'), cycle).key).toBe('2026-02');
      expect(periodContaining(at('2026-02-27T23:59:59.999Z'), cycle).key).toBe('2026-01');
    });

    it('with day 15 names the period by the month it starts in, across a year end', () => {
      const cycle = { timezone: 'Europe/Berlin', billingDay: 15 };
      const p = periodContaining(at('2026-01-10T12:00:00.000Z'), cycle);
      expect(p.key).toBe('2025-12');
      expect(wall(p.start, 'Europe/Berlin')).toBe('2025-12-15 00:00:00.000 +01:00');
      expect(wall(p.end, 'Europe/Berlin')).toBe('2026-01-15 00:00:00.000 +01:00');
      expect(periodContaining(shift(p.end, -1), cycle).key).toBe('2025-12');
      expect(periodContaining(p.end, cycle).key).toBe('2026-01');
    });
  });

  describe('keys and neighbours', () => {
    const cycles: BillingCycle[] = [
      { timezone: 'UTC', billingDay: 1 },
      { timezone: 'Asia/Kolkata', billingDay: 28 },
      { timezone: 'America/St_Johns', billingDay: 15 },
      { timezone: 'America/Havana', billingDay: 1 },
      { timezone: 'America/Santiago', billingDay: 6 },
      { timezone: 'Europe/Berlin', billingDay: 1 },
    ];

    it.each(cycles)(
      'round-trips keys and chains periods without gaps or overlaps ($timezone, day $billingDay)',
      (cycle) => {
        let p = periodByKey('2025-01', cycle);
        for (let i = 0; i < 36; i++) {
          const next = nextPeriod(p, cycle);
          expect(next.start).toEqual(p.end);
          expect(plain(previousPeriod(next, cycle))).toEqual(plain(p));
          expect(plain(nextPeriod(previousPeriod(p, cycle), cycle))).toEqual(plain(p));
          expect(plain(periodByKey(p.key, cycle))).toEqual(plain(p));
          expect(plain(periodContaining(p.start, cycle))).toEqual(plain(p));
          expect(plain(periodContaining(shift(p.end, -1), cycle))).toEqual(plain(p));
          // The start is the first instant of the billing day: a millisecond earlier is another day.
          expect(localDate(p.start, cycle.timezone)).toBe(`${p.key}-${String(cycle.billingDay).padStart(2, '0')}`);
          expect(localDate(shift(p.start, -1), cycle.timezone)).not.toBe(localDate(p.start, cycle.timezone));
          p = next;
        }
      },
    );

    it('steps over a year end', () => {
      const cycle = { timezone: 'UTC', billingDay: 1 };
      expect(nextPeriod(periodByKey('2026-12', cycle), cycle).key).toBe('2027-01');
      expect(previousPeriod(periodByKey('2027-01', cycle), cycle).key).toBe('2026-12');
    });

    it.each([
      '2026-13',
      '2026-00',
      '1999-12',
      '3000-01',
      '26-01',
      '2026-1',
      '2026/01',
      '2026-01-01',
      ' 2026-01',
      '2026-01 ',
      '',
      '+2026-01',
      '２０２６-01',
      '2026-1a',
    ])('refuses the key %p', (key) => {
      expect(() => periodByKey(key, { timezone: 'UTC', billingDay: 1 })).toThrow(InvalidPeriodKeyError);
    });

    it('accepts the first and last sane years', () => {
      expect(periodByKey('2000-01', { timezone: 'UTC', billingDay: 1 }).start.toISOString()).toBe(
        '2000-01-01T00:00:00.000Z',
      );
      expect(periodByKey('2999-12', { timezone: 'UTC', billingDay: 1 }).end.toISOString()).toBe(
        '3000-01-01T00:00:00.000Z',
      );
    });
  });

  describe('PeriodClock', () => {
    it('gives the same periods as periodContaining across boundaries, forwards and backwards', () => {
      const cycle = { timezone: 'America/New_York', billingDay: 1 };
      const clock = new PeriodClock(cycle);
      const boundary = periodByKey('2026-11', cycle).start;
      const instants = [-3_600_000, -1, 0, 1, 3_600_000, -1, 0, 40 * 86_400_000, -1].map((ms) => shift(boundary, ms));
      for (const instant of instants) {
        expect(plain(clock.periodOf(instant))).toEqual(plain(periodContaining(instant, cycle)));
      }
    });

    it('reuses the cached period while the instant stays inside it', () => {
      const clock = new PeriodClock({ timezone: 'Asia/Tokyo', billingDay: 1 });
      const first = clock.periodOf(at('2026-11-02T00:00:00.000Z'));
      expect(clock.periodOf(at('2026-11-20T00:00:00.000Z'))).toBe(first);
      expect(clock.periodOf(at('2026-11-30T14:59:59.999Z'))).toBe(first);
      expect(clock.periodOf(at('2026-11-30T15:00:00.000Z')).key).toBe('2026-12');
    });

    it('is not affected by later changes to the cycle object it was given', () => {
      const cycle = { timezone: 'UTC', billingDay: 1 };
      const clock = new PeriodClock(cycle);
      cycle.billingDay = 15;
      expect(clock.periodOf(at('2026-11-10T00:00:00.000Z')).key).toBe('2026-11');
    });

    it('refuses a bad cycle at construction', () => {
      expect(() => new PeriodClock({ timezone: 'Mars/Olympus', billingDay: 1 })).toThrow(InvalidBillingCycleError);
    });
  });

  describe('validation', () => {
    it.each([0, 29, 31, 1.5, Number.NaN, -1])('refuses billingDay %p', (billingDay) => {
      expect(() => periodContaining(at('2026-01-01T00:00:00.000Z'), { timezone: 'UTC', billingDay })).toThrow(
        InvalidBillingCycleError,
      );
    });

    it('refuses an unknown time zone', () => {
      expect(() => periodByKey('2026-01', { timezone: 'Mars/Olympus', billingDay: 1 })).toThrow(
        InvalidBillingCycleError,
      );
    });

    it('refuses an invalid Date', () => {
      expect(() => periodContaining(new Date('nope'), { timezone: 'UTC', billingDay: 1 })).toThrow(RangeError);
    });

    it.each(['UTC', 'Etc/UTC', 'America/New_York', 'Asia/Kolkata', 'America/St_Johns', 'Europe/Kyiv'])(
      'accepts the zone %p',
      (tz) => {
        expect(isValidTimezone(tz)).toBe(true);
      },
    );

    it.each(['', 'Mars/Olympus', 'UTC+3', '+03:00', 'local', 'system', ' UTC', 'Z'])('refuses the zone %p', (tz) => {
      expect(isValidTimezone(tz)).toBe(false);
    });

    it('spells a zone the canonical way', () => {
      expect(canonicalTimezone('america/new_york')).toBe('America/New_York');
      expect(canonicalTimezone('utc')).toBe('UTC');
    });
  });

  describe('localDate', () => {
    it('reads the date in the zone', () => {
      const instant = at('2026-11-01T03:59:59.999Z');
      expect(localDate(instant, 'UTC')).toBe('2026-11-01');
      expect(localDate(instant, 'America/New_York')).toBe('2026-10-31');
      expect(localDate(at('2026-10-31T18:30:00.000Z'), 'Asia/Kolkata')).toBe('2026-11-01');
      expect(localDate(at('2026-10-31T18:29:59.999Z'), 'Asia/Kolkata')).toBe('2026-10-31');
    });
  });
});
