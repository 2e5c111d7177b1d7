import { DateTime } from 'luxon';
import { localTime } from './layout';

describe('localTime', () => {
  it('reads as luxon\'s "yyyy-LL-dd HH:mm ZZZZ" did, across zones, midnight and both DST changes', () => {
    const zones = [
      'UTC',
      'America/New_York',
      'Europe/Berlin',
      'Asia/Kolkata',
      'Australia/Lord_Howe',
      'Pacific/Chatham',
    ];
    const instants = [
      '2026-01-01T00:00:00Z',
      '2026-03-08T06:59:00Z', // New York: 01:59 EST, a minute before the spring change
      '2026-03-08T07:00:00Z', // 03:00 EDT
      '2026-11-01T05:30:00Z', // 01:30 EDT, the first of the two
      '2026-11-01T06:30:00Z', // 01:30 EST, the second
      '2026-12-31T23:59:59.999Z',
    ];
    for (const zone of zones)
      for (const at of instants)
        expect({ zone, at, shown: localTime(at, zone) }).toEqual({
          zone,
          at,
          shown: DateTime.fromISO(at, { zone }).toFormat('yyyy-LL-dd HH:mm ZZZZ'),
        });
    expect(localTime(new Date('2026-11-01T05:30:00Z'), 'America/New_York')).toBe('2026-11-01 01:30 EDT');
    expect(localTime('2026-11-01T06:30:00Z', 'America/New_York')).toBe('2026-11-01 01:30 EST');
    expect(localTime('2026-07-01T00:00:00Z', 'Asia/Kolkata')).toBe('2026-07-01 05:30 GMT+5:30');
    expect(localTime('not a time', 'UTC')).toBe('—'); // shown as missing, not a 500 page
  });
});
