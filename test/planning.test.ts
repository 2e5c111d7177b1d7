import { DateTime } from 'luxon';
import { launchChromium, signInWithKey } from './support/browser';
import { addHandle, expectStatus, seed, totalsBody } from './support/fixtures';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

/** Preflight (what a batch would cost, before it runs) and renewal planning, through the API. */
describe('planning: preflight and renewal plan', () => {
  let t: TestApp;
  let financeKey: string;
  beforeAll(async () => {
    t = await startTestApp();
    financeKey = (
      await t.http().post('/api-keys').set('X-API-Key', ADMIN_KEY).send({ name: 'Dana', role: 'finance' }).expect(201)
    ).body.key;
  });
  afterAll(() => t.close());

  const admin = { 'X-API-Key': ADMIN_KEY };
  const callAs = (clientKey: string, handle: string, body: object = totalsBody()) =>
    t.http().post('/insights/engagement/totals').set('X-API-Key', clientKey).set('X-Handle', handle).send(body);
  /** A finance key's preflight of `handles`, which must answer 200. */
  const preflight = async (contractId: string, handles: string[]) =>
    (
      await t
        .http()
        .post(`/contracts/${contractId}/preflight`)
        .set('X-API-Key', financeKey)
        .send({ handles })
        .expect(200)
    ).body;
  const usage = async (contractId: string) =>
    (await t.http().get(`/contracts/${contractId}/usage`).set(admin).expect(200)).body;

  describe('POST /contracts/:id/preflight', () => {
    it('names counted, new and unregistered handles and prices the overage to the cent, counting nothing', async () => {
      const s = await seed(t, {
        handles: 8,
        contract: { handleAllowance: 5, overagePrice: { amount: '12.34', currency: 'USD' } },
      });
      const [h0, h1, h2, h3, h4, h5, h6, h7] = s.handles;
      for (const h of [h0, h1, h2]) expect((await callAs(s.clientKey, `@${h.screenName}`)).status).toBe(200);
      await t.settle();
      const before = await usage(s.contractId);
      expect(before.uniqueHandles).toBe(3);

      const refs = [
        `@${h0.screenName}`, // counted, by name
        h1.userId, // counted, by user ID
        h1.screenName.toUpperCase(), // the same handle again, by name in other case
        `@${h3.screenName}`,
        h4.userId,
        h5.screenName,
        h6.userId, // four new
        `@${h6.screenName}`, // the same new handle again
        '@nobody_here',
        '99999999999', // not registered
      ];
      for (const key of [s.clientKey, financeKey, ADMIN_KEY]) {
        const res = await t
          .http()
          .post(`/contracts/${s.contractId}/preflight`)
          .set('X-API-Key', key)
          .send({ handles: refs });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({
          period: before.period.key,
          handles: 8,
          alreadyCounted: 2,
          new: 4,
          notRegistered: ['@nobody_here', '99999999999'],
          // 3 counted + 4 new against 5 allowed: 2 over, at 12.34 each.
          overageHandles: 2,
          overageCost: { amount: '24.68', currency: 'USD' },
          remainingAfter: 0,
          blockedHandles: 0,
          uniqueHandles: 3,
          allowance: 5,
        });
      }
      // Nothing was logged or counted, and no call went to X.
      const after = await usage(s.contractId);
      expect({ u: after.uniqueHandles, c: after.calls }).toEqual({ u: before.uniqueHandles, c: before.calls });
      expect(t.sim.received.filter((c) => c.userId === h7.userId || c.userId === h3.userId)).toEqual([]);
    });

    it('with room left: no overage, the allowance left after the batch; under block, the refused handles instead of overage', async () => {
      const s = await seed(t, {
        handles: 3,
        contract: { handleAllowance: 10, overagePrice: { amount: '0.07', currency: 'EUR' } },
      });
      expect((await callAs(s.clientKey, s.handles[0].userId)).status).toBe(200);
      await t.settle();
      const ask = () =>
        preflight(
          s.contractId,
          s.handles.map((h) => h.userId),
        );
      expect(await ask()).toMatchObject({
        handles: 3,
        alreadyCounted: 1,
        new: 2,
        overageHandles: 0,
        overageCost: { amount: '0.00', currency: 'EUR' },
        remainingAfter: 7,
      });

      await t.http().patch(`/contracts/${s.contractId}`).set(admin).send({ handleAllowance: 2 }).expect(200);
      expect(await ask()).toMatchObject({
        alreadyCounted: 1,
        new: 2,
        overageHandles: 1,
        overageCost: { amount: '0.07', currency: 'EUR' },
        remainingAfter: 0,
      });
      await t.http().patch(`/contracts/${s.contractId}`).set(admin).send({ enforcement: 'block' }).expect(200);
      expect(await ask()).toMatchObject({
        alreadyCounted: 1,
        new: 2,
        overageHandles: 0,
        overageCost: { amount: '0.00', currency: 'EUR' },
        blockedHandles: 1,
        remainingAfter: 0,
      });
    });

    it('counts as the contract counts: under countPolicy confirmed, a handle X refused is still new', async () => {
      const s = await seed(t, { handles: 2, contract: { handleAllowance: 10 } });
      const body = totalsBody(['impressions']);
      t.sim.unownedTweetIds.add(body.tweet_ids[0]);
      expect((await callAs(s.clientKey, s.handles[0].userId, body)).status).toBe(403);
      expect((await callAs(s.clientKey, s.handles[1].userId)).status).toBe(200);
      await t.settle();
      const ask = () => preflight(s.contractId, [`@${s.handles[0].screenName}`, s.handles[1].userId]);
      expect(await ask()).toMatchObject({ countPolicy: 'attempted', handles: 2, alreadyCounted: 2, new: 0 });
      await t.http().patch(`/contracts/${s.contractId}`).set(admin).send({ countPolicy: 'confirmed' }).expect(200);
      expect(await ask()).toMatchObject({ countPolicy: 'confirmed', handles: 2, alreadyCounted: 1, new: 1 });
    });

    it('a client key sees its own app’s handles and no other contract; bad bodies are refused before their items are read', async () => {
      const a = await seed(t, { handles: 1 });
      const b = await seed(t, { handles: 1 });
      // A second app of contract A: its handle is registered for the contract, not for A's first client key.
      const app2 = (
        await t
          .http()
          .post(`/contracts/${a.contractId}/apps`)
          .set(admin)
          .send({ name: 'second', consumerKey: `ck_second_${Date.now()}`, consumerSecret: 'cs_second_secret_value' })
          .expect(201)
      ).body;
      const other = await addHandle(t, app2.id);
      const refs = { handles: [a.handles[0].userId, other.userId] };
      const client = await t
        .http()
        .post(`/contracts/${a.contractId}/preflight`)
        .set('X-API-Key', a.clientKey)
        .send(refs)
        .expect(200);
      expect(client.body).toMatchObject({ new: 1, notRegistered: [other.userId] });
      const fin = await t
        .http()
        .post(`/contracts/${a.contractId}/preflight`)
        .set('X-API-Key', financeKey)
        .send(refs)
        .expect(200);
      expect(fin.body).toMatchObject({ new: 2, notRegistered: [] });

      const foreign = await t
        .http()
        .post(`/contracts/${a.contractId}/preflight`)
        .set('X-API-Key', b.clientKey)
        .send(refs);
      expect(foreign.status).toBe(403);
      expect(foreign.body.code).toBe('FORBIDDEN');
      const unknown = await t
        .http()
        .post('/contracts/00000000-0000-4000-8000-000000000000/preflight')
        .set('X-API-Key', financeKey)
        .send(refs);
      expect(unknown.status).toBe(404);
      await t.http().post(`/contracts/${a.contractId}/preflight`).send(refs).expect(401);

      const tooMany = await t
        .http()
        .post(`/contracts/${a.contractId}/preflight`)
        .set('X-API-Key', financeKey)
        .send({ handles: Array.from({ length: 10_001 }, () => ({ not: 'a ref' })) });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body).toMatchObject({ code: 'VALIDATION_FAILED', details: { total: 10_001, limit: 10_000 } });
      const bad = await t
        .http()
        .post(`/contracts/${a.contractId}/preflight`)
        .set('X-API-Key', financeKey)
        .send({ handles: ['@ok', 12, 'no spaces', ...Array.from({ length: 30 }, () => '')] });
      expect(bad.status).toBe(400);
      expect(bad.body.details.total).toBe(32);
      expect(Object.keys(bad.body.details.fields)).toHaveLength(20);
      expect(bad.body.details.fields['handles.1']).toMatch(/numeric user ID/);
      for (const body of [{}, { handles: 'x' }, { handles: [], extra: 1 }, []]) {
        const res = await t.http().post(`/contracts/${a.contractId}/preflight`).set('X-API-Key', financeKey).send(body);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
      }
      const empty = await t
        .http()
        .post(`/contracts/${a.contractId}/preflight`)
        .set('X-API-Key', financeKey)
        .send({ handles: [] })
        .expect(200);
      expect(empty.body).toMatchObject({ handles: 0, alreadyCounted: 0, new: 0, notRegistered: [], overageHandles: 0 });
    });
  });

  describe('GET /contracts/:id/plan', () => {
    it('prices each allowance over the last 12 closed periods and the open period’s projection', async () => {
      const s = await seed(t, {
        contract: {
          handleAllowance: 4,
          overagePrice: { amount: '12.50', currency: 'USD' },
          timezone: 'UTC',
          billingDay: 1,
        },
      });
      const open = DateTime.utc().startOf('month');
      // 13 closed months: month -k has counts[k-1] handles (month -13 falls outside the 12 looked at).
      const counts = [5, 3, 7, 4, 6, 2, 9, 4, 4, 1, 0, 8, 50];
      const calls: object[] = [];
      counts.forEach((n, k) => {
        const month = open.minus({ months: k + 1 });
        for (let i = 0; i < n; i++)
          calls.push({
            id: `m${k}-${i}`,
            at: month.plus({ days: 2, hours: i }).toISO(),
            userId: String(500_000 + i),
            endpoint: 'totals',
            status: 200,
          });
      });
      expectStatus(await t.http().post(`/contracts/${s.contractId}/usage/import`).set(admin).send({ calls }), 200);
      await t.http().post('/jobs/close-periods').set(admin).expect(200);
      // The open period: two handles so far.
      const now = DateTime.utc();
      const openCalls = [0, 1].map((i) => ({
        id: `o-${i}`,
        at: now.minus({ minutes: 5 + i }).toISO(),
        userId: String(600_000 + i),
        endpoint: 'totals',
        status: 200,
      }));
      expectStatus(
        await t.http().post(`/contracts/${s.contractId}/usage/import`).set(admin).send({ calls: openCalls }),
        200,
      );

      const u = await usage(s.contractId);
      const res = await t
        .http()
        .get(`/contracts/${s.contractId}/plan?allowances=4,6,0`)
        .set('X-API-Key', financeKey)
        .expect(200);
      const projected = u.projection.uniqueHandles;
      expect(projected).toBeGreaterThanOrEqual(2);
      const history = counts.slice(0, 12).reverse();
      expect(res.body.periods).toEqual([
        ...history.map((n, i) => ({
          period: open.minus({ months: 12 - i }).toFormat('yyyy-LL'),
          uniqueHandles: n,
          projected: false,
          allowance: 4,
        })),
        { period: open.toFormat('yyyy-LL'), uniqueHandles: projected, projected: true, allowance: 4 },
      ]);
      // By hand: allowance 4 → over in months with 5,7,6,9,8 → 1+3+2+5+4 = 15, plus the open period's.
      const over = (a: number) => history.reduce((sum, n) => sum + Math.max(0, n - a), 0) + Math.max(0, projected - a);
      expect(over(4)).toBe(15 + Math.max(0, projected - 4));
      const cents = (n: number) => `${Math.floor((n * 1250) / 100)}.${String((n * 1250) % 100).padStart(2, '0')}`;
      expect(res.body.options).toEqual(
        [0, 4, 6].map((a) => ({
          allowance: a,
          overageHandles: over(a),
          overageCost: { amount: cents(over(a)), currency: 'USD' },
          perPeriod: [...history, projected].map((n) => Math.max(0, n - a)),
          current: a === 4,
        })),
      );
      expect(over(0)).toBe(53 + projected);
      expect(res.body.overagePrice).toEqual({ amount: '12.50', currency: 'USD' });

      // Default options: the current allowance and ±25 %, ±50 %.
      const dflt = await t.http().get(`/contracts/${s.contractId}/plan`).set(admin).expect(200);
      expect(dflt.body.options.map((o: { allowance: number }) => o.allowance)).toEqual([2, 3, 4, 5, 6]);

      for (const q of ['abc', '1,-2', '1.5', Array.from({ length: 21 }, (_, i) => i).join(',')]) {
        const bad = await t.http().get(`/contracts/${s.contractId}/plan`).query({ allowances: q }).set(admin);
        expect(bad.status).toBe(400);
        expect(bad.body.code).toBe('VALIDATION_FAILED');
      }
      const client = await t.http().get(`/contracts/${s.contractId}/plan`).set('X-API-Key', s.clientKey);
      expect(client.status).toBe(403);
    });

    it('the dashboard page shows the options table and the chart with the API’s figures, under the CSP', async () => {
      const s = await seed(t, {
        contract: { name: 'Plan Co', handleAllowance: 2, overagePrice: { amount: '3.33', currency: 'USD' } },
      });
      const last = DateTime.utc().startOf('month').minus({ months: 1 });
      const calls = [0, 1, 2, 3, 4].map((i) => ({
        id: `d-${i}`,
        at: last.plus({ days: 3, hours: i }).toISO(),
        userId: String(910_000 + i),
        endpoint: 'totals',
        status: 200,
      }));
      expectStatus(await t.http().post(`/contracts/${s.contractId}/usage/import`).set(admin).send({ calls }), 200);
      await t.http().post('/jobs/close-periods').set(admin).expect(200);
      const api = (await t.http().get(`/contracts/${s.contractId}/plan?allowances=1,2,5`).set(admin).expect(200)).body;

      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && problems.push(m.text()));
        expect(await signInWithKey(page, t.url, financeKey)).toBe(303);
        // The contract's page links to its plan.
        await page.goto(`${t.url}/dashboard/contracts/${s.contractId}`);
        expect(await page.locator('a[data-link="plan"]').getAttribute('href')).toBe(
          `/dashboard/contracts/${s.contractId}/plan`,
        );
        const res = await page.goto(`${t.url}/dashboard/contracts/${s.contractId}/plan?allowances=1,2,5`);
        expect(res!.status()).toBe(200);
        expect(res!.headers()['content-security-policy']).toMatch(/default-src 'self'/);
        for (const o of api.options) {
          const row = page.locator(`table.plan-options tr[data-allowance="${o.allowance}"]`);
          expect(await row.locator('[data-figure="overageCost"]').innerText()).toBe(`USD ${o.overageCost.amount}`);
          expect(await row.locator('[data-figure="overageHandles"]').innerText()).toBe(String(o.overageHandles));
        }
        // By hand, allowance 1: last period's 5 handles are 4 over, plus the open period's projection over 1, at 3.33 each.
        const over1 = 4 + Math.max(0, api.periods[1].uniqueHandles - 1);
        const cents = over1 * 333;
        expect(api.options[0]).toMatchObject({
          allowance: 1,
          overageHandles: over1,
          overageCost: { amount: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}` },
        });
        const bars = await page
          .locator('svg.plan-chart rect.bar')
          .evaluateAll((els) =>
            els.map((e) => [
              e.getAttribute('data-period'),
              Number(e.getAttribute('data-count')),
              e.classList.contains('projected'),
            ]),
          );
        expect(bars).toEqual(
          api.periods.map((p: { period: string; uniqueHandles: number; projected: boolean }) => [
            p.period,
            p.uniqueHandles,
            p.projected,
          ]),
        );
        expect(await page.locator('svg.plan-chart line.option').count()).toBe(3);
        // The form asks for other options without any script.
        await page.fill('#allowances', '3');
        await Promise.all([page.waitForURL(/allowances=3$/), page.click('form.plan-form button')]);
        expect(await page.locator('table.plan-options tbody tr').count()).toBe(1);
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    });

    it('a contract with no closed period plans over the open period alone', async () => {
      const s = await seed(t, { contract: { handleAllowance: 100 } });
      const res = await t.http().get(`/contracts/${s.contractId}/plan`).set(admin).expect(200);
      expect(res.body.periods).toHaveLength(1);
      expect(res.body.periods[0]).toMatchObject({ uniqueHandles: 0, projected: true });
      expect(
        res.body.options.map((o: { allowance: number; overageCost: { amount: string } }) => [
          o.allowance,
          o.overageCost.amount,
        ]),
      ).toEqual([
        [50, '0.00'],
        [75, '0.00'],
        [100, '0.00'],
        [125, '0.00'],
        [150, '0.00'],
      ]);
    });
  });
});
