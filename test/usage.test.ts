import { DateTime } from 'luxon';
import { periodContaining } from '../src/billing/billing-period';
import { seed } from './support/fixtures';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

/** Finance's reads where they are easy to get wrong: the roster's pages and the projection's days. */
describe('usage: the handle roster and the projection', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const admin = { 'X-API-Key': ADMIN_KEY };
  const get = (path: string) => t.http().get(path).set(admin);
  const importCalls = (contractId: string, calls: object[]) => t.http().post(`/contracts/${contractId}/usage/import`).set(admin).send({ calls }).expect(200);

  /** Every page of a roster through X-Next-Cursor. */
  async function walk(contractId: string, period: string, limit: number): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await get(`/contracts/${contractId}/periods/${period}/handles?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
      ids.push(...page.body.map((h: { userId: string }) => h.userId));
      cursor = page.headers['x-next-cursor'];
    } while (cursor);
    return ids;
  }

  it('pages through every handle once, first seen first and by user ID, also when they share a first sighting and their IDs differ in length', async () => {
    const s = await seed(t);
    // One instant for all: the user ID decides the order, as a number ("9" before "10").
    const users = ['10', '9', '100', '9223372036854775807', '11', '2', '1'];
    await importCalls(s.contractId, users.map((u, i) => ({ id: `r${i}`, at: '2026-09-10T12:00:00.000Z', userId: u, endpoint: 'totals' })));
    const inOrder = ['1', '2', '9', '10', '11', '100', '9223372036854775807'];

    for (const state of ['live', 'closed']) {
      if (state === 'closed') await t.http().post('/jobs/close-periods').set(admin).expect(200);
      for (const limit of [1, 2, 3, 100]) expect({ state, limit, ids: await walk(s.contractId, '2026-09', limit) }).toEqual({ state, limit, ids: inOrder });
      const csv = await get(`/contracts/${s.contractId}/periods/2026-09/handles?format=csv`).expect(200);
      expect(csv.text.trim().split('\n').slice(1).map((l) => l.split(',')[0])).toEqual(inOrder);
    }
  });

  it("counts handles imported for the period's earlier days on those days, also after the projection has read them", async () => {
    // A period ~5 days in, in UTC: days 0..4 are over, today is day 5 or later.
    const now = DateTime.utc();
    const billingDay = Math.min(28, now.minus({ days: 5 }).day);
    const s = await seed(t, { contract: { handleAllowance: 5, timezone: 'UTC', billingDay } });
    const usage = async () => (await get(`/contracts/${s.contractId}/usage`).expect(200)).body;
    const start = DateTime.fromJSDate(periodContaining(new Date(), { timezone: 'UTC', billingDay }).start, { zone: 'UTC' });
    const day = (d: number) => start.plus({ days: d, hours: 12 });
    await importCalls(s.contractId, [
      { id: 'd0', at: day(0).toISO(), userId: '501', endpoint: 'totals' },
      { id: 'd1', at: day(1).toISO(), userId: '502', endpoint: 'totals' },
    ]);
    expect((await usage()).projection.exceedsAllowanceOn).toBeNull();

    // The first projection counted the days that are over and kept them; a back-dated import adds to one of them.
    await importCalls(s.contractId, [{ id: 'd0b', at: day(0).plus({ minutes: 5 }).toISO(), userId: '503', endpoint: 'totals' }]);
    // A change of terms projects afresh at once: with an allowance of 1 the count went over it on day 0 (2 handles), not day 1.
    await t.http().patch(`/contracts/${s.contractId}`).set(admin).send({ handleAllowance: 1 }).expect(200);
    const after = await usage();
    expect(after.uniqueHandles).toBe(3);
    expect(after.projection.exceedsAllowanceOn).toBe(day(0).toISODate());
  });
});
