import * as os from 'node:os';
import { POOL_IDLE_TIMEOUT_MS } from '../src/database/data-source';
import { READ_BACKEND_NICENESS } from '../src/database/read-priority';
import { withClient } from './support/database';
import { addHandle, seed, Seeded, totalsBody } from './support/fixtures';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

/** The path of one call: signed, forwarded, answered as X answered, and counted exactly once per handle. */
describe('gateway', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  beforeEach(() => t.sim.reset());

  const call = (s: Seeded, handle: string | null, body: object = totalsBody(), endpoint = 'totals') => {
    const r = t.http().post(`/insights/engagement/${endpoint}`).set('X-API-Key', s.clientKey);
    return (handle ? r.set('X-Handle', handle) : r).send(body);
  };
  const usage = async (contractId: string) => {
    await t.settle();
    return (await t.http().get(`/contracts/${contractId}/usage`).set('X-API-Key', ADMIN_KEY).expect(200)).body;
  };

  it("signs with the handle's tokens so X accepts it, and passes X's status, body and rate-limit headers back", async () => {
    const s = await seed(t);
    const h = s.handles[0];
    const body = totalsBody(['impressions', 'engagements']);
    const res = await call(s, `@${h.screenName}`, body);
    expect(res.status).toBe(200);
    expect(t.sim.received).toHaveLength(1);
    expect(t.sim.received[0]).toMatchObject({
      auth: 'oauth1',
      userId: h.userId,
      status: 200,
      consumerKey: s.consumerKey,
    });
    expect(Object.keys(res.body.perTweetMetricsOwned)).toEqual(body.tweet_ids);
    expect(Object.keys(res.body.perTweetMetricsOwned[body.tweet_ids[0]]).sort()).toEqual([
      'engagements',
      'impressions',
    ]);
    expect(res.headers['x-per-minute-limit']).toMatch(/^\d+$/);
    expect(res.headers['x-per-minute-remaining']).toMatch(/^\d+$/);
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('accepts the handle as @name, name or numeric user ID: one handle, counted once', async () => {
    const s = await seed(t);
    const h = s.handles[0];
    for (const ref of [`@${h.screenName}`, h.screenName.toUpperCase(), h.userId])
      expect((await call(s, ref)).status).toBe(200);
    const u = await usage(s.contractId);
    expect(u).toMatchObject({ uniqueHandles: 1, calls: 3 });
  });

  it('counts one handle once with 50 concurrent calls for it', async () => {
    const s = await seed(t);
    const res = await Promise.all(Array.from({ length: 50 }, () => call(s, s.handles[0].userId)));
    expect(res.map((r) => r.status)).toEqual(Array(50).fill(200));
    const u = await usage(s.contractId);
    expect(u).toMatchObject({ uniqueHandles: 1, confirmedHandles: 1, calls: 50 });
    const roster = await t
      .http()
      .get(`/contracts/${s.contractId}/periods/${u.period.key}/handles`)
      .set('X-API-Key', ADMIN_KEY)
      .expect(200);
    expect(roster.body).toEqual([expect.objectContaining({ userId: s.handles[0].userId, calls: 50, confirmed: true })]);
  });

  it('counts exactly 100 handles with 200 concurrent calls spread over them', async () => {
    const s = await seed(t, { handles: 100 });
    const res = await Promise.all(Array.from({ length: 200 }, (_, i) => call(s, s.handles[i % 100].userId)));
    expect(res.filter((r) => r.status === 200)).toHaveLength(200);
    expect(t.sim.received).toHaveLength(200);
    const u = await usage(s.contractId);
    expect(u).toMatchObject({ uniqueHandles: 100, confirmedHandles: 100, calls: 200 });
    const rows = await withClient(t.databaseUrl, (c) =>
      c.query('SELECT count(*)::int AS n, count(DISTINCT user_id)::int AS users FROM calls WHERE contract_id = $1', [
        s.contractId,
      ]),
    );
    expect(rows.rows[0]).toEqual({ n: 200, users: 100 });
  });

  it('an X 403 counts as attempted, not confirmed; countPolicy chooses which one is uniqueHandles', async () => {
    const s = await seed(t);
    const body = totalsBody(['impressions']);
    t.sim.unownedTweetIds.add(body.tweet_ids[0]);
    const res = await call(s, s.handles[0].userId, body);
    expect(res.status).toBe(403);
    expect(JSON.stringify(res.body)).toContain('Forbidden to access tweets');
    expect(await usage(s.contractId)).toMatchObject({
      uniqueHandles: 1,
      attemptedHandles: 1,
      confirmedHandles: 0,
      calls: 1,
    });

    await t
      .http()
      .patch(`/contracts/${s.contractId}`)
      .set('X-API-Key', ADMIN_KEY)
      .send({ countPolicy: 'confirmed' })
      .expect(200);
    expect(await usage(s.contractId)).toMatchObject({ uniqueHandles: 0, attemptedHandles: 1, confirmedHandles: 0 });

    t.sim.unownedTweetIds.clear();
    expect((await call(s, s.handles[0].userId, body)).status).toBe(200);
    expect(await usage(s.contractId)).toMatchObject({
      uniqueHandles: 1,
      attemptedHandles: 1,
      confirmedHandles: 1,
      calls: 2,
    });
  });

  it('under countPolicy confirmed, a handle is counted by the time its first 2xx answer arrives (no outcome left to lose)', async () => {
    const s = await seed(t, { handles: 3, contract: { countPolicy: 'confirmed' } });
    for (const h of s.handles) {
      expect((await call(s, h.userId)).status).toBe(200);
      // Straight from the table, without waiting for the ledger to settle.
      const row = await withClient(t.databaseUrl, (c) =>
        c.query(
          'SELECT confirmed_at IS NOT NULL AS confirmed FROM period_handles WHERE contract_id = $1 AND user_id = $2',
          [s.contractId, h.userId],
        ),
      );
      expect({ handle: h.userId, rows: row.rows }).toEqual({ handle: h.userId, rows: [{ confirmed: true }] });
    }
  });

  it("X's errors (429) pass through unchanged and are recorded with their status", async () => {
    const s = await seed(t);
    t.sim.behaviour = { mode: 'normal', delayMs: 0, forceStatus: 429 };
    const res = await call(s, s.handles[0].userId);
    expect(res.status).toBe(429);
    expect(res.body.errors).toBeDefined();
    await t.settle();
    const row = await withClient(t.databaseUrl, (c) =>
      c.query('SELECT outcome, status FROM calls WHERE contract_id = $1', [s.contractId]),
    );
    expect(row.rows).toEqual([{ outcome: 'answered', status: 429 }]);
  });

  it('an app-only call is logged but never counts a handle', async () => {
    const s = await seed(t);
    const res = await call(s, null, totalsBody(['favorites', 'retweets']));
    expect(res.status).toBe(200);
    expect(t.sim.received[0].auth).toBe('bearer');
    expect(await usage(s.contractId)).toMatchObject({ uniqueHandles: 0, calls: 1 });
  });

  it('usage sums handles across all apps of a contract, and the roster pages and exports as CSV', async () => {
    const s = await seed(t, { handles: 5 });
    for (const h of s.handles) expect((await call(s, h.userId)).status).toBe(200);
    const u = await usage(s.contractId);
    expect(u).toMatchObject({
      uniqueHandles: 5,
      allowance: 500,
      remaining: 495,
      overageHandles: 0,
      overageCost: { amount: '0.00', currency: 'USD' },
    });
    const page1 = await t
      .http()
      .get(`/contracts/${s.contractId}/periods/${u.period.key}/handles?limit=2`)
      .set('X-API-Key', ADMIN_KEY)
      .expect(200);
    expect(page1.body).toHaveLength(2);
    const cursor = page1.headers['x-next-cursor'];
    const page2 = await t
      .http()
      .get(`/contracts/${s.contractId}/periods/${u.period.key}/handles?limit=10&cursor=${cursor}`)
      .set('X-API-Key', ADMIN_KEY)
      .expect(200);
    expect(page2.body).toHaveLength(3);
    expect([...page1.body, ...page2.body].map((h: { userId: string }) => h.userId).sort()).toEqual(
      s.handles.map((h) => h.userId).sort(),
    );
    const csv = await t
      .http()
      .get(`/contracts/${s.contractId}/periods/${u.period.key}/handles`)
      .set('X-API-Key', ADMIN_KEY)
      .set('Accept', 'text/csv')
      .expect(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('userId,screenName,firstSeen,lastSeen,calls,confirmed,firstAppId,overage');
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[0])
        .sort(),
    ).toEqual(s.handles.map((h) => h.userId).sort());
  });

  it('overage is charged per handle over the allowance, to the cent', async () => {
    const s = await seed(t, {
      handles: 4,
      contract: { handleAllowance: 1, overagePrice: { amount: '0.10', currency: 'EUR' } },
    });
    for (const h of s.handles) await call(s, h.userId);
    expect(await usage(s.contractId)).toMatchObject({
      uniqueHandles: 4,
      remaining: 0,
      overageHandles: 3,
      overageCost: { amount: '0.30', currency: 'EUR' },
    });
  });

  it('GET /rate-limits shows the last x-per-minute-* headers X sent for each app', async () => {
    const s = await seed(t);
    const res = await call(s, s.handles[0].userId);
    await t.settle();
    const limits = await t.http().get('/rate-limits').set('X-API-Key', ADMIN_KEY).expect(200);
    const mine = limits.body.find((r: { appId: string }) => r.appId === s.appId);
    expect(mine).toMatchObject({
      limit: Number(res.headers['x-per-minute-limit']),
      remaining: Number(res.headers['x-per-minute-remaining']),
    });
    expect(new Date(mine.seenAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  describe('enforcement: block', () => {
    it('refuses a handle new to the period once the allowance is used, and never sends it; used handles go on', async () => {
      const s = await seed(t, { handles: 3, contract: { handleAllowance: 2, enforcement: 'block' } });
      const [a, b, c] = s.handles;
      expect((await call(s, a.userId)).status).toBe(200);
      expect((await call(s, b.userId)).status).toBe(200);
      t.sim.reset();
      const refused = await call(s, c.userId);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ statusCode: 403, code: 'HANDLE_ALLOWANCE_EXHAUSTED' });
      expect(t.sim.received).toHaveLength(0);
      expect((await call(s, a.userId)).status).toBe(200);
      expect(await usage(s.contractId)).toMatchObject({ uniqueHandles: 2, calls: 3 });
    });

    it('admits exactly the allowance when many new handles arrive at once', async () => {
      const s = await seed(t, { handles: 20, contract: { handleAllowance: 5, enforcement: 'block' } });
      const res = await Promise.all(s.handles.map((h) => call(s, h.userId)));
      expect(res.filter((r) => r.status === 200)).toHaveLength(5);
      expect(res.filter((r) => r.status === 403 && r.body.code === 'HANDLE_ALLOWANCE_EXHAUSTED')).toHaveLength(15);
      expect(t.sim.received).toHaveLength(5);
      expect(await usage(s.contractId)).toMatchObject({ uniqueHandles: 5, calls: 5 });
    });

    it('raising the allowance lets new handles in again', async () => {
      const s = await seed(t, { handles: 2, contract: { handleAllowance: 1, enforcement: 'block' } });
      expect((await call(s, s.handles[0].userId)).status).toBe(200);
      expect((await call(s, s.handles[1].userId)).status).toBe(403);
      await t
        .http()
        .patch(`/contracts/${s.contractId}`)
        .set('X-API-Key', ADMIN_KEY)
        .send({ handleAllowance: 2 })
        .expect(200);
      expect((await call(s, s.handles[1].userId)).status).toBe(200);
    });
  });

  it('a handle added later is usable at once', async () => {
    const s = await seed(t);
    const h = await addHandle(t, s.appId);
    expect((await call(s, `@${h.screenName}`)).status).toBe(200);
  });
});

describe("gateway: the database's connections", () => {
  it('are open before the first call and stay open through a quiet spell, so the first calls wait for no new one', async () => {
    const fresh = await startTestApp();
    try {
      const open = (applicationName: string) =>
        withClient(fresh.databaseUrl, async (c) => {
          const { rows } = await c.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
            [applicationName],
          );
          return rows[0].n;
        });
      // Both pools, all of each.
      expect(await open('handlemeter-ledger')).toBe(8);
      expect(await open('handlemeter')).toBeGreaterThanOrEqual(12);
      // Past the pools' idle timeout: still there.
      await new Promise((r) => setTimeout(r, POOL_IDLE_TIMEOUT_MS + 1000));
      expect(await open('handlemeter-ledger')).toBe(8);
      expect(await open('handlemeter')).toBeGreaterThanOrEqual(12);
    } finally {
      await fresh.close();
    }
  });
  it("run the reads' backends at a lower CPU priority than the ledger's, so a burst of reads cannot slow the gateway's writes", async () => {
    // The test database runs on this machine (embedded, or a local URL), as the service's does by default.
    const fresh = await startTestApp();
    try {
      const niceness = (applicationName: string) =>
        withClient(fresh.databaseUrl, async (c) => {
          const { rows } = await c.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
            [applicationName],
          );
          return [...new Set(rows.map((r) => os.getPriority(r.pid)))];
        });
      expect(await niceness('handlemeter')).toEqual([READ_BACKEND_NICENESS]);
      expect(await niceness('handlemeter-ledger')).toEqual([0]);
    } finally {
      await fresh.close();
    }
  });
});
