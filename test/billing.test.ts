import { periodContaining } from '../src/periods/billing-period';
import { withClient } from './support/database';
import { seed } from './support/fixtures';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

/** The month-end close, statements, late imports and restatements, through the API. */
describe('billing: import, close, statements', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const admin = () => ({ 'X-API-Key': ADMIN_KEY });
  const importCalls = (contractId: string, calls: object[]) =>
    t.http().post(`/contracts/${contractId}/usage/import`).set(admin()).send({ calls });
  const call = (id: string, at: string, userId: string, status = 200) => ({
    id,
    at,
    userId,
    endpoint: 'totals',
    status,
  });
  const close = () => t.http().post('/jobs/close-periods').set(admin()).expect(200);
  const get = (path: string) => t.http().get(path).set(admin());

  it('imports past calls (idempotent by id), closes their period into a statement with figures to the cent', async () => {
    const s = await seed(t, {
      contract: {
        handleAllowance: 2,
        overagePrice: { amount: '12.35', currency: 'USD' },
        timezone: 'America/New_York',
      },
    });
    const first = await importCalls(s.contractId, [
      call('a1', '2026-09-10T12:00:00Z', '101'),
      call('a2', '2026-09-11T12:00:00Z', '101'),
      call('a3', '2026-09-12T12:00:00Z', '102'),
      call('a4', '2026-09-13T12:00:00Z', '103', 403),
      call('a5', '2026-09-14T12:00:00Z', '104'),
    ]);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ imported: 5, duplicates: 0 });
    const again = await importCalls(s.contractId, [
      call('a1', '2026-09-10T12:00:00Z', '101'),
      call('a6', '2026-09-15T12:00:00Z', '101'),
    ]);
    expect(again.body).toEqual({ imported: 1, duplicates: 1 });

    const before = await get(`/contracts/${s.contractId}/usage?period=2026-09`).expect(200);
    expect(before.body).toMatchObject({
      uniqueHandles: 4,
      attemptedHandles: 4,
      confirmedHandles: 3,
      calls: 6,
      period: { key: '2026-09', closed: false },
    });
    await get(`/contracts/${s.contractId}/statements/2026-09`).expect(404);

    const closed = await close();
    expect(closed.body.closed).toContainEqual({ contractId: s.contractId, period: '2026-09' });
    const st = await get(`/contracts/${s.contractId}/statements/2026-09`).expect(200);
    expect(st.body).toMatchObject({
      contractId: s.contractId,
      period: {
        key: '2026-09',
        start: '2026-09-01T04:00:00.000Z',
        end: '2026-10-01T04:00:00.000Z',
        timezone: 'America/New_York',
        closed: true,
      },
      uniqueHandles: 4,
      attemptedHandles: 4,
      confirmedHandles: 3,
      allowance: 2,
      overageHandles: 2,
      overagePrice: { amount: '12.35', currency: 'USD' },
      overageCost: { amount: '24.70', currency: 'USD' },
      calls: 6,
      restatement: null,
    });
    expect(Date.parse(st.body.closedAt)).toBeGreaterThan(Date.now() - 60_000);
    const usage = await get(`/contracts/${s.contractId}/usage?period=2026-09`).expect(200);
    expect(usage.body).toMatchObject({ uniqueHandles: 4, period: { closed: true }, projection: null });
  });

  it('a second close changes nothing; a contract change after the close does not touch the statement', async () => {
    const s = await seed(t, { contract: { handleAllowance: 1 } });
    await importCalls(s.contractId, [
      call('b1', '2026-08-10T00:00:00Z', '201'),
      call('b2', '2026-08-11T00:00:00Z', '202'),
    ]).expect(200);
    await close();
    const st1 = (await get(`/contracts/${s.contractId}/statements/2026-08`).expect(200)).body;
    const again = await close();
    expect(again.body.closed.filter((c: { contractId: string }) => c.contractId === s.contractId)).toEqual([]);
    await t
      .http()
      .patch(`/contracts/${s.contractId}`)
      .set(admin())
      .send({ handleAllowance: 10, overagePrice: { amount: '99.00', currency: 'USD' } })
      .expect(200);
    const st2 = (await get(`/contracts/${s.contractId}/statements/2026-08`).expect(200)).body;
    expect(st2).toEqual(st1);
    expect(st2).toMatchObject({ allowance: 1, overageHandles: 1, overageCost: { amount: '12.50' } });
  });

  it('closes a period on the terms in force for it, even when they changed before the close ran', async () => {
    const s = await seed(t, { contract: { handleAllowance: 1 } });
    await importCalls(s.contractId, [
      call('c1', '2026-07-10T00:00:00Z', '301'),
      call('c2', '2026-07-11T00:00:00Z', '302'),
    ]).expect(200);
    // The period ended long ago, but the service had not closed it yet when the allowance changed.
    await t.http().patch(`/contracts/${s.contractId}`).set(admin()).send({ handleAllowance: 5 }).expect(200);
    await close();
    const st = (await get(`/contracts/${s.contractId}/statements/2026-07`).expect(200)).body;
    expect(st).toMatchObject({ allowance: 1, overageHandles: 1 });
  });

  it('two closes started at once make one statement', async () => {
    const s = await seed(t);
    await importCalls(s.contractId, [call('d1', '2026-06-10T00:00:00Z', '401')]).expect(200);
    const [a, b] = await Promise.all([close(), close()]);
    const mine = [...a.body.closed, ...b.body.closed].filter(
      (c: { contractId: string; period: string }) => c.contractId === s.contractId && c.period === '2026-06',
    );
    expect(mine).toHaveLength(1);
    const rows = await withClient(t.databaseUrl, (c) =>
      c.query("SELECT count(*)::int AS n FROM statements WHERE contract_id = $1 AND period_key = '2026-06'", [
        s.contractId,
      ]),
    );
    expect(rows.rows[0].n).toBe(1);
  });

  it('a late import into a closed period is recorded and shown as a restatement, never changing the statement', async () => {
    const s = await seed(t, { contract: { handleAllowance: 1 } });
    await importCalls(s.contractId, [call('e1', '2026-05-10T00:00:00Z', '501')]).expect(200);
    await close();
    const late = await importCalls(s.contractId, [
      call('e2', '2026-05-20T00:00:00Z', '502'),
      call('e3', '2026-05-21T00:00:00Z', '501'),
    ]);
    expect(late.body).toEqual({ imported: 2, duplicates: 0 });
    const st = (await get(`/contracts/${s.contractId}/statements/2026-05`).expect(200)).body;
    expect(st).toMatchObject({ uniqueHandles: 1, calls: 1, overageHandles: 0, overageCost: { amount: '0.00' } });
    expect(st.restatement).toMatchObject({
      uniqueHandles: 2,
      calls: 3,
      overageHandles: 1,
      difference: { uniqueHandles: 1, calls: 2, overageHandles: 1, overageCost: { amount: '12.50', currency: 'USD' } },
    });
    // The roster of a closed period is the set that was billed.
    const roster = (await get(`/contracts/${s.contractId}/periods/2026-05/handles`).expect(200)).body;
    expect(roster.map((h: { userId: string }) => h.userId)).toEqual(['501']);
    const periods = (await get(`/contracts/${s.contractId}/periods`).expect(200)).body;
    expect(periods.find((p: { key: string }) => p.key === '2026-05')).toMatchObject({
      closed: true,
      uniqueHandles: 1,
      restatement: { uniqueHandles: 2 },
    });
  });

  it('lists every period with calls, newest first, and writes statements for ended periods without calls too', async () => {
    const s = await seed(t);
    await importCalls(s.contractId, [
      call('f1', '2026-03-05T00:00:00Z', '601'),
      call('f2', '2026-01-05T00:00:00Z', '602'),
    ]).expect(200);
    await close();
    const periods = (await get(`/contracts/${s.contractId}/periods`).expect(200)).body;
    const keys = periods.map((p: { key: string }) => p.key);
    const open = periodContaining(new Date(), { timezone: 'UTC', billingDay: 1 }).key;
    expect(keys[0]).toBe(open);
    expect(keys).toEqual([...keys].sort().reverse());
    expect(keys.indexOf('2026-03')).toBeLessThan(keys.indexOf('2026-02'));
    expect(periods.find((p: { key: string }) => p.key === '2026-02')).toMatchObject({
      closed: true,
      uniqueHandles: 0,
      calls: 0,
    });
    expect(periods.find((p: { key: string }) => p.key === '2026-03')).toMatchObject({ closed: true, uniqueHandles: 1 });
    expect(periods[0]).toMatchObject({ closed: false, uniqueHandles: 0 });
  });

  it('a statement cannot be changed, even in the database', async () => {
    const s = await seed(t);
    await importCalls(s.contractId, [call('g1', '2026-04-05T00:00:00Z', '701')]).expect(200);
    await close();
    await expect(
      withClient(t.databaseUrl, (c) =>
        c.query('UPDATE statements SET unique_handles = 0 WHERE contract_id = $1', [s.contractId]),
      ),
    ).rejects.toThrow(/immutable/);
    await expect(
      withClient(t.databaseUrl, (c) => c.query('DELETE FROM statement_handles WHERE contract_id = $1', [s.contractId])),
    ).rejects.toThrow(/immutable/);
  });

  it('imports CSV with the same columns, and refuses a file with a bad row without importing any of it', async () => {
    const s = await seed(t);
    const csv =
      'id,at,userId,screenName,endpoint,status\nh1,2026-10-01T10:00:00Z,801,@acme,totals,200\nh2,2026-10-02T10:00:00Z,802,,28hr,\n';
    const ok = await t
      .http()
      .post(`/contracts/${s.contractId}/usage/import`)
      .set(admin())
      .set('Content-Type', 'text/csv')
      .send(csv);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ imported: 2, duplicates: 0 });
    const bad = await importCalls(s.contractId, [
      call('h3', '2026-10-03T00:00:00Z', '803'),
      { id: 'h4', at: 'yesterday', userId: '804', endpoint: 'totals' },
      call('h5', '2026-10-03T00:00:00Z', 'x'),
    ]);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect(bad.body.details.rows.map((r: { row: number }) => r.row)).toEqual([2, 3]);
    const u = (await get(`/contracts/${s.contractId}/usage?period=2026-10`).expect(200)).body;
    expect(u).toMatchObject({ uniqueHandles: 2, calls: 2 });
    const audit = (await get('/audit-log').expect(200)).body;
    expect(
      audit.entries.find(
        (e: { action: string; entityId: string }) => e.action === 'import' && e.entityId === s.contractId,
      ),
    ).toMatchObject({ changes: { imported: 2 } });
  });

  it("reconciles X's invoice: figures, differences, and the handles that explain them", async () => {
    const s = await seed(t, {
      contract: {
        handleAllowance: 1,
        overagePrice: { amount: '10.00', currency: 'USD' },
        timezone: 'America/New_York',
      },
    });
    await importCalls(s.contractId, [
      call('r1', '2026-09-10T12:00:00Z', '1101'),
      call('r2', '2026-09-11T12:00:00Z', '1102', 403),
      // 22:00 on 31 August in New York: our period 2026-08, but September in UTC.
      call('r3', '2026-09-01T02:00:00Z', '1103'),
    ]).expect(200);
    await close();
    const res = await t
      .http()
      .post(`/contracts/${s.contractId}/reconciliations`)
      .set(admin())
      .send({ period: '2026-09', invoicedHandles: 3, invoicedAmount: { amount: '20.00', currency: 'USD' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      basis: 'statement',
      invoicedHandles: 3,
      ourHandles: 2,
      difference: 1,
      matches: false,
      counts: { attempted: 2, confirmed: 1, utcCalendarMonth: 3 },
      invoicedAmount: { amount: '20.00', currency: 'USD' },
      ourAmount: { amount: '10.00', currency: 'USD' },
      amountDifference: { amount: '10.00', currency: 'USD' },
      expectedAmountForInvoicedHandles: { amount: '20.00', currency: 'USD' },
    });
    expect(res.body.review.summary).toMatch(/UTC calendar month/);
    expect(res.body.review.handles).toEqual(
      expect.arrayContaining([
        { userId: '1102', screenName: null, reason: 'not_confirmed' },
        { userId: '1103', screenName: null, reason: 'utc_month_only' },
      ]),
    );
    const list = await get(`/contracts/${s.contractId}/reconciliations`).expect(200);
    expect(list.body).toEqual([expect.objectContaining({ id: res.body.id, difference: 1 })]);
    const wrongCurrency = await t
      .http()
      .post(`/contracts/${s.contractId}/reconciliations`)
      .set(admin())
      .send({ period: '2026-09', invoicedHandles: 3, invoicedAmount: { amount: '1.00', currency: 'EUR' } });
    expect(wrongCurrency.status).toBe(400);
  });

  it('a bad period key is a 400, a period not begun a 404', async () => {
    const s = await seed(t);
    const bad = await get(`/contracts/${s.contractId}/usage?period=2026-13`);
    expect(bad.status).toBe(400);
    await get(`/contracts/${s.contractId}/usage?period=2099-01`).expect(404);
  });
});

describe('billing: a month missed while the service was down', () => {
  it('is closed when the service starts again', async () => {
    const first = await startTestApp();
    const s = await seed(first);
    await first
      .http()
      .post(`/contracts/${s.contractId}/usage/import`)
      .set('X-API-Key', ADMIN_KEY)
      .send({ calls: [{ id: 'm1', at: '2026-09-15T00:00:00Z', userId: '901', endpoint: 'totals' }] })
      .expect(200);
    await first.stop();

    const second = await startTestApp({ databaseUrl: first.databaseUrl, config: { schedulersEnabled: true } });
    try {
      let st;
      for (let i = 0; i < 50 && st?.status !== 200; i++) {
        st = await second.http().get(`/contracts/${s.contractId}/statements/2026-09`).set('X-API-Key', ADMIN_KEY);
        if (st.status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(st?.status).toBe(200);
      expect(st?.body).toMatchObject({ uniqueHandles: 1, period: { closed: true } });
    } finally {
      await second.close();
      await first.close();
    }
  });
});
