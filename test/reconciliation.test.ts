import { periodContaining } from '../src/periods/billing-period';
import { seed } from './support/fixtures';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

/** Reconciling X's invoice: ended periods only, the cutoff questions answered with figures, and a page finance can use. */
describe('reconciliation', () => {
  let t: TestApp;
  let cookie: string;
  beforeAll(async () => {
    t = await startTestApp();
    const res = await t.http().post('/dashboard/login').type('form').send({ key: ADMIN_KEY });
    cookie = String((res.headers['set-cookie'] as unknown as string[])[0]).split(';')[0];
  });
  afterAll(() => t.close());

  const admin = { 'X-API-Key': ADMIN_KEY };
  const reconcile = (contractId: string, body: object) =>
    t.http().post(`/contracts/${contractId}/reconciliations`).set(admin).send(body);
  const call = (id: string, at: string, userId: string, status = 200) => ({
    id,
    at,
    userId,
    endpoint: 'totals',
    status,
  });
  const importCalls = (contractId: string, calls: object[]) =>
    t.http().post(`/contracts/${contractId}/usage/import`).set(admin).send({ calls }).expect(200);

  it('refuses an open period with 409 CONFLICT, and a period before the contract (with nothing imported) with 404', async () => {
    const s = await seed(t);
    const open = periodContaining(new Date(), { timezone: 'UTC', billingDay: 1 });
    const res = await reconcile(s.contractId, { period: open.key, invoicedHandles: 10 });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'CONFLICT', details: { period: open.key, status: 'open' } });
    expect(res.body.message).toMatch(/has not ended/);

    const before = await reconcile(s.contractId, { period: '2020-01', invoicedHandles: 10 });
    expect(before.status).toBe(404);
    expect(before.body).toMatchObject({ code: 'NOT_FOUND', details: { period: '2020-01' } });
    expect(before.body.message).toMatch(/ended before contract Acme was created.*Import the period's calls first/);
    expect((await t.http().get(`/contracts/${s.contractId}/reconciliations`).set(admin).expect(200)).body).toEqual([]);

    // The same period with imported calls is a period of ours: it reconciles.
    await importCalls(s.contractId, [call('old-1', '2020-01-10T12:00:00Z', '4101')]);
    const ok = await reconcile(s.contractId, { period: '2020-01', invoicedHandles: 1 });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({
      basis: 'live',
      period: { key: '2020-01', status: 'ended', closed: false },
      ourHandles: 1,
      matches: true,
    });
  });

  it('gives the boundary and the UTC cutoff figures, to the cent, for a contract in another zone', async () => {
    // New York, billing day 15: period 2026-09 is 2026-09-15 04:00Z to 2026-10-15 04:00Z.
    const s = await seed(t, {
      contract: {
        handleAllowance: 2,
        overagePrice: { amount: '12.35', currency: 'USD' },
        timezone: 'America/New_York',
        billingDay: 15,
      },
    });
    await importCalls(s.contractId, [
      call('b1', '2026-09-15T03:00:00Z', '5101'), // 23:00 on the 14th in New York: period 2026-08, but after 00:00 UTC on the 15th
      call('b2', '2026-09-15T10:00:00Z', '5102'), // within 24 h of our start
      call('b3', '2026-09-25T12:00:00Z', '5103'),
      call('b4', '2026-09-26T12:00:00Z', '5104', 403), // never confirmed
      call('b5', '2026-10-15T02:00:00Z', '5105'), // 22:00 on the 14th in New York: ours, but after 00:00 UTC on the 15th
    ]);
    await t.http().post('/jobs/close-periods').set(admin).expect(200);
    const res = await reconcile(s.contractId, {
      period: '2026-09',
      invoicedHandles: 4,
      invoicedAmount: { amount: '24.70', currency: 'USD' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      basis: 'statement',
      period: { key: '2026-09', status: 'closed', closed: true },
      ourHandles: 4,
      invoicedHandles: 4,
      difference: 0,
      ourAmount: { amount: '24.70', currency: 'USD' },
      amountDifference: { amount: '0.00', currency: 'USD' },
      matches: true,
      boundary: { nearStart: 1, nearEnd: 1, hours: 24 },
      utcCutoff: {
        start: '2026-09-15T00:00:00.000Z',
        end: '2026-10-15T00:00:00.000Z',
        uniqueHandles: 4,
        difference: 0,
      },
    });
    // Cut at 00:00 UTC: 5101 comes in, 5105 goes out (the count happens to be the same, the handles are not).
    const reasons = Object.fromEntries(
      (res.body.review.handles as { userId: string; reason: string }[])
        .filter((h) => h.reason.startsWith('near_'))
        .map((h) => [h.userId, h.reason]),
    );
    expect(reasons).toEqual({ '5102': 'near_period_start', '5105': 'near_period_end' });
    expect(res.body.review.totals).toMatchObject({ not_confirmed: 1, near_period_start: 1, near_period_end: 1 });

    // The dashboard's page shows it, with the handles to review and their CSV.
    const page = await t
      .http()
      .get(`/dashboard/contracts/${s.contractId}/reconciliations`)
      .set('Cookie', cookie)
      .expect(200);
    expect(page.text).toContain(`data-reconciliation="${res.body.id}"`);
    expect(page.text).toMatch(/data-figure="utcCutoff">4</);
    expect(page.text).toMatch(/data-figure="ourAmount">USD 24\.70</);
    expect(page.text).toContain('data-reason="near_period_end"');
    const csv = await t
      .http()
      .get(`/dashboard/contracts/${s.contractId}/reconciliations/${res.body.id}/handles.csv`)
      .set('Cookie', cookie)
      .expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('userId,screenName,reason,explanation');
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',').slice(0, 3).join(','))
        .sort(),
    ).toEqual(
      (res.body.review.handles as { userId: string; reason: string }[]).map((h) => `${h.userId},,${h.reason}`).sort(),
    );
    // The API serves the same CSV and the reconciliation itself.
    const apiCsv = await t
      .http()
      .get(`/contracts/${s.contractId}/reconciliations/${res.body.id}/handles.csv`)
      .set(admin)
      .expect(200);
    expect(apiCsv.text).toBe(csv.text);
    expect(
      (await t.http().get(`/contracts/${s.contractId}/reconciliations/${res.body.id}`).set(admin).expect(200)).body,
    ).toMatchObject({ id: res.body.id, utcCutoff: { uniqueHandles: 4 } });
  });

  it('reconciles from the dashboard form and shows the result', async () => {
    const s = await seed(t, { contract: { handleAllowance: 1, overagePrice: { amount: '1250.00', currency: 'USD' } } });
    await importCalls(s.contractId, [
      call('f1', '2026-08-03T12:00:00Z', '6101'),
      call('f2', '2026-08-04T12:00:00Z', '6102'),
      call('f3', '2026-08-05T12:00:00Z', '6103'),
    ]);
    const post = await t
      .http()
      .post(`/dashboard/contracts/${s.contractId}/reconciliations`)
      .set('Cookie', cookie)
      .type('form')
      .send({ period: '2026-08', invoicedHandles: '4', invoicedAmount: '3750.00' });
    expect(post.status).toBe(303);
    expect(post.headers.location).toBe(`/dashboard/contracts/${s.contractId}/reconciliations`);
    const page = (await t.http().get(post.headers.location).set('Cookie', cookie).expect(200)).text;
    expect(page).toMatch(/data-figure="difference">\+1</);
    expect(page).toMatch(/data-figure="invoicedAmount">USD 3,750\.00</);
    expect(page).toMatch(/data-figure="ourAmount">USD 2,500\.00</);
    expect(page).toContain('X counts 1 more handles than handlemeter.');
    const bad = await t
      .http()
      .post(`/dashboard/contracts/${s.contractId}/reconciliations`)
      .set('Cookie', cookie)
      .type('form')
      .send({ period: '2026-08', invoicedHandles: 'lots' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('as a whole number');
  });
});
