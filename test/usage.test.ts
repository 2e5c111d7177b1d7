import { DateTime } from 'luxon';
import { Client } from 'pg';
import { periodContaining } from '../src/periods/billing-period';
import { ForecastService } from '../src/forecast/forecast.service';
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
  const importCalls = (contractId: string, calls: object[]) =>
    t.http().post(`/contracts/${contractId}/usage/import`).set(admin).send({ calls }).expect(200);

  /** Every page of a roster through X-Next-Cursor. */
  async function walk(contractId: string, period: string, limit: number): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await get(
        `/contracts/${contractId}/periods/${period}/handles?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      ).expect(200);
      ids.push(...page.body.map((h: { userId: string }) => h.userId));
      cursor = page.headers['x-next-cursor'];
    } while (cursor);
    return ids;
  }

  it('pages through every handle once, first seen first and by user ID, also when they share a first sighting and their IDs differ in length', async () => {
    const s = await seed(t);
    // One instant for all: the user ID decides the order, as a number ("9" before "10").
    const users = ['10', '9', '100', '9223372036854775807', '11', '2', '1'];
    await importCalls(
      s.contractId,
      users.map((u, i) => ({ id: `r${i}`, at: '2026-09-10T12:00:00.000Z', userId: u, endpoint: 'totals' })),
    );
    const inOrder = ['1', '2', '9', '10', '11', '100', '9223372036854775807'];

    for (const state of ['live', 'closed']) {
      if (state === 'closed') await t.http().post('/jobs/close-periods').set(admin).expect(200);
      for (const limit of [1, 2, 3, 100])
        expect({ state, limit, ids: await walk(s.contractId, '2026-09', limit) }).toEqual({
          state,
          limit,
          ids: inOrder,
        });
      const csv = await get(`/contracts/${s.contractId}/periods/2026-09/handles?format=csv`).expect(200);
      expect(
        csv.text
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.split(',')[0]),
      ).toEqual(inOrder);
    }
  });

  it("counts handles imported for the period's earlier days on those days, also after the projection has read them", async () => {
    // A period ~5 days in, in UTC: days 0..4 are over, today is day 5 or later.
    const now = DateTime.utc();
    const billingDay = Math.min(28, now.minus({ days: 5 }).day);
    const s = await seed(t, { contract: { handleAllowance: 5, timezone: 'UTC', billingDay } });
    const usage = async () => (await get(`/contracts/${s.contractId}/usage`).expect(200)).body;
    const start = DateTime.fromJSDate(periodContaining(new Date(), { timezone: 'UTC', billingDay }).start, {
      zone: 'UTC',
    });
    const day = (d: number) => start.plus({ days: d, hours: 12 });
    await importCalls(s.contractId, [
      { id: 'd0', at: day(0).toISO(), userId: '501', endpoint: 'totals' },
      { id: 'd1', at: day(1).toISO(), userId: '502', endpoint: 'totals' },
    ]);
    expect((await usage()).projection.exceedsAllowanceOn).toBeNull();

    // The first projection counted the days that are over and kept them; a back-dated import adds to one of them.
    await importCalls(s.contractId, [
      { id: 'd0b', at: day(0).plus({ minutes: 5 }).toISO(), userId: '503', endpoint: 'totals' },
    ]);
    // A change of terms projects afresh at once: with an allowance of 1 the count went over it on day 0 (2 handles), not day 1.
    await t.http().patch(`/contracts/${s.contractId}`).set(admin).send({ handleAllowance: 1 }).expect(200);
    const after = await usage();
    expect(after.uniqueHandles).toBe(3);
    expect(after.projection.exceedsAllowanceOn).toBe(day(0).toISODate());
  });

  it("projects from the handles that came back: the days' distinct handles, kept by the ledger as it writes, imports included", async () => {
    // A period ~9 days in, in UTC. 30 weekly handles: days 0..6 bring 5 each (some through an
    // import), and those of days 0..1 come back on days 7..8, several calls a day.
    const now = DateTime.utc();
    const billingDay = Math.min(28, now.minus({ days: 9 }).day);
    const s = await seed(t, { contract: { handleAllowance: 10, timezone: 'UTC', billingDay } });
    const period = periodContaining(new Date(), { timezone: 'UTC', billingDay });
    const start = DateTime.fromJSDate(period.start, { zone: 'UTC' });
    const calls: object[] = [];
    for (let d = 0; d < 7; d++) {
      for (let h = 0; h < 5; h++) {
        const user = 7000 + d * 10 + h;
        calls.push({
          id: `w${d}-${h}`,
          at: start.plus({ days: d, hours: 9 + h }).toISO(),
          userId: String(user),
          endpoint: 'totals',
        });
        if (d < 2)
          for (let c = 0; c < 3; c++)
            calls.push({
              id: `w${d}-${h}-back${c}`,
              at: start.plus({ days: d + 7, hours: 9 + c }).toISO(),
              userId: String(user),
              endpoint: 'totals',
            });
      }
    }
    await importCalls(s.contractId, calls);

    const days = await t.app.get(ForecastService).openDays(s.contractId, 'UTC', period);
    expect(days.active.slice(0, 9)).toEqual([5, 5, 5, 5, 5, 5, 5, 5, 5]);
    expect(days.counted.attempted.slice(0, 9)).toEqual([5, 5, 5, 5, 5, 5, 5, 0, 0]);

    const body = (await get(`/contracts/${s.contractId}/usage`).expect(200)).body;
    expect(body.uniqueHandles).toBe(35);
    expect(body.projection.method).toContain('repeat-structure');
    expect(body.projection.low).toBeGreaterThanOrEqual(body.uniqueHandles);
    expect(body.projection.uniqueHandles).toBeGreaterThanOrEqual(body.projection.low);
    expect(body.projection.high).toBeGreaterThanOrEqual(body.projection.uniqueHandles);
  });

  it("answers 503 DATABASE_TIMEOUT, not 500, when PostgreSQL stops a read at the read pool's statement timeout", async () => {
    const s = await seed(t);
    // Another session holds the counter table, so the usage read waits on it until the read
    // pool's statement_timeout (10 s) has PostgreSQL cancel it: a real timeout, a real SQLSTATE 57014.
    const locker = new Client({ connectionString: t.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE period_counters IN ACCESS EXCLUSIVE MODE');
      const res = await get(`/contracts/${s.contractId}/usage`);
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 503, code: 'DATABASE_TIMEOUT' });
      expect(res.body.message).toMatch(/Retry/);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    // The same read, the table free again: the service is fine.
    await get(`/contracts/${s.contractId}/usage`).expect(200);
  }, 30_000);
});

describe('usage: the start-up warm-up', () => {
  it("never keeps the service from starting: a contract whose periods cannot be worked out leaves the others' figures served", async () => {
    const first = await startTestApp();
    const good = await seed(first);
    const bad = await seed(first);
    // A zone this runtime does not know (as after an ICU update dropped one): the warm-up throws on it.
    const db = new Client({ connectionString: first.databaseUrl });
    await db.connect();
    try {
      await db.query(`UPDATE contracts SET timezone = 'Mars/Olympus' WHERE id = $1`, [bad.contractId]);
    } finally {
      await db.end();
    }
    await first.stop();

    let second: TestApp | undefined;
    try {
      second = await startTestApp({ databaseUrl: first.databaseUrl, sim: first.sim });
      await second.http().get('/health').expect(200);
      const usage = await second
        .http()
        .get(`/contracts/${good.contractId}/usage`)
        .set('X-API-Key', ADMIN_KEY)
        .expect(200);
      expect(usage.body.contractId).toBe(good.contractId);
    } finally {
      await second?.stop();
      await first.close();
    }
  });
});
