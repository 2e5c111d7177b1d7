import { Client } from 'pg';
import { periodContaining, previousPeriod } from '../src/periods/billing-period';
import { APP_CONFIG, AppConfig } from '../src/config/app-config';
import { CallLogService } from '../src/ledger/call-log.service';
import { withClient } from './support/database';
import { readLedger } from './support/ledger-audit';
import { expectStatus, seed, totalsBody } from './support/fixtures';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

/** The call log's monthly partitions on real PostgreSQL: made ahead, dropped past retention once closed, imports in slices. */
describe('call log partitions and retention', () => {
  let t: TestApp;
  const admin = { 'X-API-Key': ADMIN_KEY };
  const monthsAgo = (n: number, day = 10) => {
    const d = new Date();
    return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - n, day, 12));
  };
  const partitionName = (d: Date) => `calls_${d.toISOString().slice(0, 4)}_${d.toISOString().slice(5, 7)}`;
  const partitions = () =>
    withClient(t.databaseUrl, (c) =>
      c.query(
        `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'calls'::regclass ORDER BY 1`,
      ),
    ).then((r) => r.rows.map((x) => x.relname as string));

  /** One imported call `monthsBack` months ago, for a month the contract has history in. */
  const importOld = (contractId: string, monthsBack: number, id: string, userId: string) =>
    t
      .http()
      .post(`/contracts/${contractId}/usage/import`)
      .set(admin)
      .send({ calls: [{ id, at: monthsAgo(monthsBack).toISOString(), userId, endpoint: 'totals' }] })
      .expect(200);
  const closePeriods = () => t.http().post('/jobs/close-periods').set(admin).expect(200);
  const gatewayCall = (s: { clientKey: string }, userId: string) =>
    t
      .http()
      .post('/insights/engagement/totals')
      .set('X-API-Key', s.clientKey)
      .set('X-Handle', userId)
      .send(totalsBody());
  /** `fn` while another session holds what `sql` takes, in a transaction it commits once `fn` is done. */
  const whileHeld = async <T>(sql: string, fn: () => Promise<T>): Promise<T> => {
    const other = new Client({ connectionString: t.databaseUrl });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(sql);
      const result = await fn();
      await other.query('COMMIT');
      return result;
    } finally {
      await other.end();
    }
  };

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('has this month and the next two ready, and makes more ahead when the months come', async () => {
    const now = new Date();
    const names = [0, 1, 2].map((i) =>
      partitionName(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1))),
    );
    expect(await partitions()).toEqual(expect.arrayContaining(names));
    const later = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 5, 3));
    const made = await t.app.get(CallLogService).createAhead(later);
    expect(made).toEqual(
      [5, 6, 7].map((i) => partitionName(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1)))),
    );
    expect(await t.app.get(CallLogService).createAhead(later)).toEqual([]);
  });

  it('drops a month past CALL_LOG_RETENTION_MONTHS only once its periods are closed; statements and handle sets stay', async () => {
    const s = await seed(t, { contract: { handleAllowance: 1, timezone: 'UTC', billingDay: 1 } });
    const old = monthsAgo(26);
    const kept = monthsAgo(3);
    await t
      .http()
      .post(`/contracts/${s.contractId}/usage/import`)
      .set(admin)
      .send({
        calls: [
          { id: 'o1', at: old.toISOString(), userId: '71', endpoint: 'totals' },
          { id: 'o2', at: new Date(old.getTime() + 3_600_000).toISOString(), userId: '72', endpoint: 'totals' },
          { id: 'k1', at: kept.toISOString(), userId: '73', endpoint: 'totals' },
        ],
      })
      .expect(200);
    // The import made the months it needed.
    expect(await partitions()).toEqual(expect.arrayContaining([partitionName(old), partitionName(kept)]));
    const callLog = t.app.get(CallLogService);
    expect(t.app.get<AppConfig>(APP_CONFIG).callLogRetentionMonths).toBe(24);

    // Not closed yet: kept.
    expect(await callLog.dropExpired()).toEqual([]);
    const oldKey = periodContaining(old, { timezone: 'UTC', billingDay: 1 }).key;
    const before = (await t.http().get(`/contracts/${s.contractId}/usage?period=${oldKey}`).set(admin).expect(200))
      .body;

    await t.http().post('/jobs/close-periods').set(admin).expect(200);
    const statement = (await t.http().get(`/contracts/${s.contractId}/statements/${oldKey}`).set(admin).expect(200))
      .body;
    const roster = (await t.http().get(`/contracts/${s.contractId}/periods/${oldKey}/handles`).set(admin).expect(200))
      .body;
    const chargeback = (
      await t.http().get(`/contracts/${s.contractId}/apps/usage?period=${oldKey}`).set(admin).expect(200)
    ).body;

    expect(await callLog.dropExpired()).toEqual([partitionName(old)]);
    const now = await partitions();
    expect(now).not.toContain(partitionName(old));
    expect(now).toContain(partitionName(kept));
    // The raw log of that month is gone; what was billed and shown from it is not.
    const left = await withClient(t.databaseUrl, (c) =>
      c.query('SELECT count(*)::int AS n FROM calls WHERE contract_id = $1', [s.contractId]),
    );
    expect(left.rows[0].n).toBe(1);
    expect((await t.http().get(`/contracts/${s.contractId}/statements/${oldKey}`).set(admin).expect(200)).body).toEqual(
      statement,
    );
    expect(
      (await t.http().get(`/contracts/${s.contractId}/periods/${oldKey}/handles`).set(admin).expect(200)).body,
    ).toEqual(roster);
    expect(
      (await t.http().get(`/contracts/${s.contractId}/apps/usage?period=${oldKey}`).set(admin).expect(200)).body,
    ).toEqual(chargeback);
    const after = (await t.http().get(`/contracts/${s.contractId}/usage?period=${oldKey}`).set(admin).expect(200)).body;
    expect({ ...after, asOf: null }).toEqual({
      ...before,
      asOf: null,
      period: { ...before.period, closed: true, status: 'closed' },
      closedAt: after.closedAt,
      restatement: null,
      projection: null,
    });
    expect(statement).toMatchObject({ uniqueHandles: 2, overageHandles: 1, calls: 2 });
  });

  it('drops a month without holding up calls into the current one', async () => {
    const s = await seed(t, { contract: { timezone: 'UTC', billingDay: 1 } });
    const old = monthsAgo(30);
    await importOld(s.contractId, 30, 'x1', '81');
    await closePeriods();

    // A reader of the old month in a long transaction: the detach waits for it (CONCURRENTLY), the gateway does not wait for the detach.
    const { dropping } = await whileHeld(`SELECT count(*) FROM ${partitionName(old)}`, async () => {
      let done = false;
      const dropping = t.app
        .get(CallLogService)
        .dropExpired()
        .finally(() => (done = true));
      await new Promise((r) => setTimeout(r, 500));
      expect(done).toBe(false);
      expectStatus(await gatewayCall(s, s.handles[0].userId), 200);
      await t.settle();
      expect(done).toBe(false);
      // In an object: returned bare, the promise would be awaited before the reader commits.
      return { dropping };
    });
    expect(await dropping).toEqual([partitionName(old)]);
    expect((await t.http().get(`/contracts/${s.contractId}/usage`).set(admin).expect(200)).body.calls).toBe(1);
  });

  it('drops a month while a transaction that read a contract is open, and calls go through meanwhile', async () => {
    const s = await seed(t, { contract: { timezone: 'UTC', billingDay: 1 } });
    const old = monthsAgo(31);
    await importOld(s.contractId, 31, 'w1', '84');
    await closePeriods();
    // Any reader of contracts (the gateway reads them on every call). Dropping a table with a
    // foreign key to contracts would wait for it, exclusively, and every call would queue behind.
    await whileHeld('SELECT count(*) FROM contracts', async () => {
      expect(await t.app.get(CallLogService).dropExpired()).toContain(partitionName(old));
      expectStatus(await gatewayCall(s, s.handles[0].userId), 200);
    });
  });

  it('records every outcome without touching an old month: its detach can hold it exclusively meanwhile', async () => {
    const s = await seed(t, { handles: 3, contract: { timezone: 'UTC', billingDay: 1, countPolicy: 'confirmed' } });
    const old = monthsAgo(30);
    await importOld(s.contractId, 30, 'y1', '82');
    // What DETACH ... CONCURRENTLY holds in its second step: the old month, exclusively. A gateway
    // statement that locked every month (an UPDATE by call ID alone) would queue behind it, and
    // every call after it behind that.
    await whileHeld(`LOCK TABLE ${partitionName(old)} IN ACCESS EXCLUSIVE MODE`, async () => {
      const call = (userId: string) => gatewayCall(s, userId);
      // Enough answered calls for the outcome statement's plan to be cached (answers and confirmations),
      // then one X never answers (the uncount reads the calls still `sent`).
      for (let i = 0; i < 8; i++) {
        expectStatus(await call(s.handles[i % 2].userId), 200);
        await t.settle();
      }
      t.sim.behaviour = { mode: 'destroy', delayMs: 0 };
      expectStatus(await call(s.handles[2].userId), 502);
      t.sim.behaviour = { mode: 'normal', delayMs: 0 };
      await t.settle();
    });
    const usage = (await t.http().get(`/contracts/${s.contractId}/usage`).set(admin).expect(200)).body;
    expect({ unique: usage.uniqueHandles, confirmed: usage.confirmedHandles }).toEqual({ unique: 2, confirmed: 2 });
  });

  it('applies a large import in slices: gateway calls go through between them, and every figure adds up', async () => {
    const s = await seed(t, { contract: { timezone: 'UTC', billingDay: 1 } });
    const open = periodContaining(new Date(), { timezone: 'UTC', billingDay: 1 });
    const past = previousPeriod(open, { timezone: 'UTC', billingDay: 1 });
    const n = 12_000;
    // Spread over the open period so far and the one before, so slices take both periods' counter locks.
    const span = Date.now() - 60_000 - past.start.getTime();
    const calls = Array.from({ length: n }, (_, i) => ({
      id: `s${i}`,
      at: new Date(past.start.getTime() + Math.floor((span * i) / n)).toISOString(),
      userId: `${100_000 + (i % 3000)}`,
      endpoint: 'totals',
      status: i % 7 === 0 ? 429 : 200,
    }));
    const importing = t
      .http()
      .post(`/contracts/${s.contractId}/usage/import`)
      .set(admin)
      .send({ calls })
      .then((r) => r);
    let importDone = false;
    void importing.then(() => (importDone = true));
    // Wait for the first slices to commit, then call through the gateway: the call must not wait for the whole import.
    const logged = () =>
      withClient(t.databaseUrl, (c) =>
        c.query(`SELECT count(*)::int AS n FROM calls WHERE contract_id = $1`, [s.contractId]),
      ).then((r) => r.rows[0].n as number);
    for (let i = 0; i < 400 && (await logged()) === 0; i++) await new Promise((r) => setTimeout(r, 25));
    const during = await logged();
    expect(during).toBeGreaterThan(0);
    expect(during).toBeLessThan(n);
    expectStatus(await gatewayCall(s, s.handles[0].userId), 200);
    expect(importDone).toBe(false);
    const res = await importing;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ imported: n, duplicates: 0 });
    await t.settle();

    // Again: every call a duplicate.
    expect(
      (await t.http().post(`/contracts/${s.contractId}/usage/import`).set(admin).send({ calls }).expect(200)).body,
    ).toEqual({ imported: 0, duplicates: n });
    const ledger = await readLedger(t.databaseUrl, s.contractId);
    expect(ledger.aggregateProblems).toEqual([]);
    const handles = await withClient(t.databaseUrl, (c) =>
      c.query(
        `SELECT count(*)::int AS n, count(confirmed_at)::int AS confirmed, sum(calls)::int AS calls FROM period_handles WHERE contract_id = $1`,
        [s.contractId],
      ),
    );
    const counters = await withClient(t.databaseUrl, (c) =>
      c.query(
        `SELECT sum(attempted_handles)::int AS attempted, sum(confirmed_handles)::int AS confirmed, sum(calls)::int AS calls FROM period_counters WHERE contract_id = $1`,
        [s.contractId],
      ),
    );
    expect(counters.rows[0]).toEqual({
      attempted: handles.rows[0].n,
      confirmed: handles.rows[0].confirmed,
      calls: n + 1,
    });
    expect(handles.rows[0].calls).toBe(n + 1);
  });
});
