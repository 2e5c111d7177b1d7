import { periodContaining } from '../src/periods/billing-period';
import { expectStatus, seed, Seeded, callTotals } from './support/fixtures';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

/** One source of truth: an alert, /usage and the dashboard show the same figures, even right after the count jumps. */
describe('finance figures agree', () => {
  let t: TestApp;
  let cookie: string;
  beforeAll(async () => {
    t = await startTestApp();
    const res = await t.http().post('/dashboard/login').type('form').send({ key: ADMIN_KEY });
    expect(res.status).toBe(303);
    cookie = String((res.headers['set-cookie'] as unknown as string[])[0]).split(';')[0];
  });
  afterAll(() => t.close());

  const admin = { 'X-API-Key': ADMIN_KEY };
  const usageOf = async (s: Seeded) =>
    (await t.http().get(`/contracts/${s.contractId}/usage`).set(admin).expect(200)).body;
  const alertsOf = async (s: Seeded) =>
    (await t.http().get(`/contracts/${s.contractId}/alerts`).set(admin).expect(200)).body;
  /** The dashboard's figures, as the page shows them (data-figure cells). */
  const dashboardFigures = async (s: Seeded) => {
    const page = (await t.http().get(`/dashboard/contracts/${s.contractId}`).set('Cookie', cookie).expect(200)).text;
    return Object.fromEntries([...page.matchAll(/data-figure="(\w+)">([^<]*)</g)].map((m) => [m[1], m[2]]));
  };

  /** `n` handles first seen over the open period so far (UTC), none in the future. */
  function importBody(n: number, from: number) {
    const period = periodContaining(new Date(), { timezone: 'UTC', billingDay: 1 });
    const span = Date.now() - 60_000 - period.start.getTime();
    return {
      calls: Array.from({ length: n }, (_, i) => ({
        id: `imp-${from + i}`,
        at: new Date(period.start.getTime() + Math.floor((span * i) / n)).toISOString(),
        userId: String(5_000_000 + from + i),
        endpoint: 'totals',
      })),
    };
  }

  it('raises alerts right after a large import with the count and projection that /usage and the dashboard show', async () => {
    const s = await seed(t, {
      handles: 1,
      contract: {
        handleAllowance: 500,
        alertThresholds: [0.8, 0.9],
        overagePrice: { amount: '12.50', currency: 'USD' },
      },
    });
    // A small start: a projection is computed and kept for this count...
    expectStatus(
      await t.http().post(`/contracts/${s.contractId}/usage/import`).set(admin).send(importBody(176, 0)),
      200,
    );
    expectStatus(await callTotals(t, s), 200);
    await t.settle();
    const early = await usageOf(s);
    expect(early.uniqueHandles).toBe(177);

    // ...then the count jumps by 300 and the alerts are checked at once.
    expectStatus(
      await t.http().post(`/contracts/${s.contractId}/usage/import`).set(admin).send(importBody(300, 176)),
      200,
    );
    await t.http().post('/jobs/check-alerts').set(admin).expect(200);
    const [alerts, usage, shown] = [await alertsOf(s), await usageOf(s), await dashboardFigures(s)];

    expect(usage.uniqueHandles).toBe(477);
    const thresholds = alerts
      .filter((a: { kind: string }) => a.kind === 'threshold')
      .map((a: { threshold: number }) => a.threshold);
    expect(thresholds.sort()).toEqual([0.8, 0.9]);
    for (const a of alerts) {
      const p = a.figures.projection;
      expect(a.figures.uniqueHandles).toBe(477);
      // Never a band below the count it states, nor a high end below its own projection.
      expect(p.low).toBeGreaterThanOrEqual(477);
      expect(p.uniqueHandles).toBeGreaterThanOrEqual(477);
      expect(p.high).toBeGreaterThanOrEqual(p.uniqueHandles);
      // The same projection /usage shows at this count (not the one cached at 177).
      expect({ uniqueHandles: p.uniqueHandles, low: p.low, high: p.high, overageCost: p.overageCost }).toEqual({
        uniqueHandles: usage.projection.uniqueHandles,
        low: usage.projection.low,
        high: usage.projection.high,
        overageCost: usage.projection.overageCost,
      });
      // Money to the cent: the overage is (projected − allowance) × 12.50.
      expect(p.overageCost).toEqual({
        amount: `${((Math.max(0, p.uniqueHandles - 500) * 1250) / 100).toFixed(2)}`,
        currency: 'USD',
      });
      const band = `${p.uniqueHandles.toLocaleString('en-US')} (${p.low.toLocaleString('en-US')}–${p.high.toLocaleString('en-US')})`;
      if (a.kind === 'threshold')
        expect(a.message).toContain(
          `477 of 500 unique handles used in period ${usage.period.key} (${a.threshold * 100}% threshold reached). Projected at period end: ${band}`,
        );
      else
        expect(a.message).toContain(
          `${p.uniqueHandles.toLocaleString('en-US')} handles projected (${p.low.toLocaleString('en-US')}–${p.high.toLocaleString('en-US')})`,
        );
    }
    // The dashboard shows the same figures.
    expect(shown.uniqueHandles).toBe('477');
    expect(shown.projectedHandles).toBe(usage.projection.uniqueHandles.toLocaleString('en-US'));
    expect(shown.projectedBand).toBe(
      `${usage.projection.low.toLocaleString('en-US')}–${usage.projection.high.toLocaleString('en-US')}`,
    );
  });

  it('never shows a projection below the count, whatever the curve says', async () => {
    const s = await seed(t, { handles: 1, contract: { handleAllowance: 100 } });
    expectStatus(
      await t.http().post(`/contracts/${s.contractId}/usage/import`).set(admin).send(importBody(250, 10_000)),
      200,
    );
    const u = await usageOf(s);
    expect(u.uniqueHandles).toBe(250);
    expect(u.projection.low).toBeGreaterThanOrEqual(250);
    expect(u.projection.high).toBeGreaterThanOrEqual(u.projection.uniqueHandles);
    expect(u.projection.overageHandles).toBe(u.projection.uniqueHandles - 100);
    for (const d of u.projection.dailyCurve ?? []) expect(d.low).toBeGreaterThanOrEqual(250);
  });
});
