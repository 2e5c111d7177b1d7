import { COUNT_CALLS, countCallsValues, CountingBatch } from './ledger.sql';
import { PendingCall } from './ledger.types';

/** COUNT_CALLS' parameters and countCallsValues' arguments are kept in step here, not by eye. */
describe('countCallsValues', () => {
  const call: PendingCall = {
    id: '00000000-0000-0000-0000-000000000001',
    at: new Date('2026-11-10T12:00:00Z'),
    contractId: '00000000-0000-0000-0000-0000000000c1',
    appId: null,
    period: { key: '2026-11', start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-12-01T00:00:00Z') },
    endpoint: 'totals',
    userId: '42',
    screenName: 'a',
    tweetCount: 1,
    block: false,
    billsConfirmed: false,
  };
  const batch: CountingBatch = {
    calls: [call, call],
    handles: [
      {
        contractId: call.contractId,
        periodStart: call.period.start.toISOString(),
        userId: '42',
        screenName: 'a',
        firstAt: call.at,
        lastAt: call.at,
        calls: 2,
      },
    ],
    periods: [{ contractId: call.contractId, period: call.period, calls: 2 }],
    log: true,
  };

  it('gives one argument per parameter of the statement', () => {
    const highest = Math.max(...[...COUNT_CALLS.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    expect(countCallsValues(batch)).toHaveLength(highest);
  });

  it('gives each unnest() columns of one length: the calls, the handles, the periods', () => {
    const v = countCallsValues(batch) as unknown[][];
    expect(v.slice(0, 8).map((c) => c.length)).toEqual(Array(8).fill(2));
    expect(v.slice(8, 15).map((c) => c.length)).toEqual(Array(7).fill(1));
    expect(v.slice(15, 20).map((c) => c.length)).toEqual(Array(5).fill(1));
    expect(v[20]).toBe(true);
  });
});
