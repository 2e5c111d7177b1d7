import * as crypto from 'node:crypto';
import { nextPeriod, periodContaining } from '../src/periods/billing-period';
import { CloseService } from '../src/billing/close.service';
import { parseAmount } from '../src/common/money';
import { readLedger } from './support/ledger-audit';
import { addHandle, expectStatus, seed, SeededHandle, totalsBody } from './support/fixtures';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

interface AppUsage {
  appId: string | null;
  name: string;
  calls: number;
  handles: number;
  firstCountedHandles: number;
  overageHandles: number;
  overageCost: { amount: string; currency: string };
}

/** Chargeback per app and the roster's firstAppId/overage, against the period's own figures, open and then closed. */
describe('chargeback and the roster marks', () => {
  let t: TestApp;
  const admin = { 'X-API-Key': ADMIN_KEY };
  const cycle = { timezone: 'Asia/Kolkata', billingDay: 1 };

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('charges each handle to the app whose call counted it first; apps, handles and money add up to the period, before and after the close', async () => {
    const s = await seed(t, {
      handles: 4,
      contract: { handleAllowance: 3, overagePrice: { amount: '12.35', currency: 'USD' }, ...cycle },
    });
    const [h0, h1, h2, h3] = s.handles;
    // A second app of the contract, with a new handle and one the first app also uses (the same X user).
    const consumerKey = `ck_${crypto.randomBytes(6).toString('hex')}`;
    const consumerSecret = `cs_${crypto.randomBytes(16).toString('hex')}`;
    const appB = (
      await t
        .http()
        .post(`/contracts/${s.contractId}/apps`)
        .set(admin)
        .send({ name: 'billing', consumerKey, consumerSecret })
        .expect(201)
    ).body.id;
    t.sim.addApp({ consumerKey, consumerSecret, bearerToken: `AAAA${crypto.randomBytes(8).toString('hex')}` });
    const b0 = await addHandle(t, appB);
    const shared = {
      userId: h0.userId,
      screenName: h0.screenName,
      accessToken: `${h0.userId}-${crypto.randomBytes(12).toString('hex')}`,
      accessTokenSecret: `ats_${crypto.randomBytes(16).toString('hex')}`,
    };
    await t
      .http()
      .post(`/apps/${appB}/handles`)
      .set(admin)
      .send({
        screenName: `@${shared.screenName}`,
        userId: shared.userId,
        accessToken: shared.accessToken,
        accessTokenSecret: shared.accessTokenSecret,
      })
      .expect(201);
    t.sim.addToken({ ...shared });
    const keyB = (
      await t.http().post('/api-keys').set(admin).send({ name: 'client b', role: 'client', appId: appB }).expect(201)
    ).body.key;

    const call = async (key: string, h: SeededHandle) => {
      expectStatus(
        await t
          .http()
          .post('/insights/engagement/totals')
          .set('X-API-Key', key)
          .set('X-Handle', h.userId)
          .send(totalsBody()),
        200,
      );
      await t.settle();
    };
    await call(s.clientKey, h0);
    await call(s.clientKey, h1);
    await call(keyB, b0);
    await call(s.clientKey, h2);
    await call(keyB, shared);
    await call(s.clientKey, h3);
    // Imported history: a new handle now, a repeat of h1, and a call of h3 from the period's first second, which makes h3 the
    // first handle counted (by no app) instead of the last.
    const open = periodContaining(new Date(), cycle);
    await t
      .http()
      .post(`/contracts/${s.contractId}/usage/import`)
      .set(admin)
      .send({
        calls: [
          { id: 'i1', at: new Date().toISOString(), userId: '9991', endpoint: 'totals' },
          { id: 'i2', at: new Date().toISOString(), userId: h1.userId, endpoint: 'totals' },
          { id: 'i3', at: new Date(open.start.getTime() + 1000).toISOString(), userId: h3.userId, endpoint: 'totals' },
        ],
      })
      .expect(200);

    const usage = (await t.http().get(`/contracts/${s.contractId}/usage`).set(admin).expect(200)).body;
    expect(usage).toMatchObject({
      uniqueHandles: 6,
      overageHandles: 3,
      overageCost: { amount: '37.05', currency: 'USD' },
      calls: 9,
    });
    const apps: AppUsage[] = (await t.http().get(`/contracts/${s.contractId}/apps/usage`).set(admin).expect(200)).body;
    // In counting order: h3 (imported), h0, h1 (the allowance), then b0 (B), h2 (A), 9991 (imported): overage.
    expect(apps).toEqual([
      {
        appId: s.appId,
        name: 'analytics',
        calls: 4,
        handles: 4,
        firstCountedHandles: 3,
        overageHandles: 1,
        overageCost: { amount: '12.35', currency: 'USD' },
      },
      {
        appId: null,
        name: 'imported (no app)',
        calls: 3,
        handles: 0,
        firstCountedHandles: 2,
        overageHandles: 1,
        overageCost: { amount: '12.35', currency: 'USD' },
      },
      {
        appId: appB,
        name: 'billing',
        calls: 2,
        handles: 2,
        firstCountedHandles: 1,
        overageHandles: 1,
        overageCost: { amount: '12.35', currency: 'USD' },
      },
    ]);
    expectAddsUp(apps, usage);

    const marks = (rows: { userId: string; firstAppId: string | null; overage: boolean }[]) =>
      rows.map((r) => [r.userId, r.firstAppId, r.overage]);
    const expected = [
      [h3.userId, null, false],
      [h0.userId, s.appId, false],
      [h1.userId, s.appId, false],
      [b0.userId, appB, true],
      [h2.userId, s.appId, true],
      ['9991', null, true],
    ];
    const roster = (await t.http().get(`/contracts/${s.contractId}/periods/${open.key}/handles`).set(admin).expect(200))
      .body;
    expect(marks(roster)).toEqual(expected);
    // Pages carry the same marks as one read.
    const page1 = await t
      .http()
      .get(`/contracts/${s.contractId}/periods/${open.key}/handles?limit=4`)
      .set(admin)
      .expect(200);
    const page2 = (
      await t
        .http()
        .get(`/contracts/${s.contractId}/periods/${open.key}/handles?limit=4&cursor=${page1.headers['x-next-cursor']}`)
        .set(admin)
        .expect(200)
    ).body;
    expect(marks([...page1.body, ...page2])).toEqual(expected);
    const csv = (
      await t.http().get(`/contracts/${s.contractId}/periods/${open.key}/handles?format=csv`).set(admin).expect(200)
    ).text
      .trim()
      .split('\n');
    expect(csv[0]).toBe('userId,screenName,firstSeen,lastSeen,calls,confirmed,firstAppId,overage');
    expect(
      csv.slice(1).map((l) => {
        const c = l.split(',');
        return [c[0], c[6] || null, c[7] === 'true'];
      }),
    ).toEqual(expected);
    expect((await readLedger(t.databaseUrl, s.contractId)).aggregateProblems).toEqual([]);

    // Closed: the same answers, now from what was frozen with the statement.
    const closed = await t.app
      .get(CloseService)
      .closeEndedPeriods(new Date(nextPeriod(open, cycle).start.getTime() + 120_000));
    expect(closed).toContainEqual({ contractId: s.contractId, period: open.key });
    const statement = (await t.http().get(`/contracts/${s.contractId}/statements/${open.key}`).set(admin).expect(200))
      .body;
    const frozenApps: AppUsage[] = (
      await t.http().get(`/contracts/${s.contractId}/apps/usage?period=${open.key}`).set(admin).expect(200)
    ).body;
    expect(frozenApps).toEqual(apps);
    expectAddsUp(frozenApps, statement);
    expect(
      marks((await t.http().get(`/contracts/${s.contractId}/periods/${open.key}/handles`).set(admin).expect(200)).body),
    ).toEqual(expected);
  });

  it('marks every handle overage under an allowance of 0, none under the allowance, and lists apps with no calls', async () => {
    const zero = await seed(t, {
      handles: 2,
      contract: { handleAllowance: 0, overagePrice: { amount: '0.10', currency: 'EUR' } },
    });
    const roomy = await seed(t, { handles: 2, contract: { handleAllowance: 5 } });
    for (const s of [zero, roomy]) {
      for (const h of s.handles)
        expectStatus(
          await t
            .http()
            .post('/insights/engagement/totals')
            .set('X-API-Key', s.clientKey)
            .set('X-Handle', h.userId)
            .send(totalsBody()),
          200,
        );
    }
    await t.settle();
    const zeroApps: AppUsage[] = (await t.http().get(`/contracts/${zero.contractId}/apps/usage`).set(admin).expect(200))
      .body;
    expect(zeroApps).toEqual([
      {
        appId: zero.appId,
        name: 'analytics',
        calls: 2,
        handles: 2,
        firstCountedHandles: 2,
        overageHandles: 2,
        overageCost: { amount: '0.20', currency: 'EUR' },
      },
    ]);
    const key = periodContaining(new Date(), { timezone: 'UTC', billingDay: 1 }).key;
    expect(
      (await t.http().get(`/contracts/${zero.contractId}/periods/${key}/handles`).set(admin).expect(200)).body.map(
        (r: { overage: boolean }) => r.overage,
      ),
    ).toEqual([true, true]);
    expect(
      (await t.http().get(`/contracts/${roomy.contractId}/periods/${key}/handles`).set(admin).expect(200)).body.map(
        (r: { overage: boolean }) => r.overage,
      ),
    ).toEqual([false, false]);

    const idle = await seed(t, { handles: 0 });
    expect((await t.http().get(`/contracts/${idle.contractId}/apps/usage`).set(admin).expect(200)).body).toEqual([
      {
        appId: idle.appId,
        name: 'analytics',
        calls: 0,
        handles: 0,
        firstCountedHandles: 0,
        overageHandles: 0,
        overageCost: { amount: '0.00', currency: 'USD' },
      },
    ]);
    await t.http().get(`/contracts/${idle.contractId}/apps/usage?period=2026-1`).set(admin).expect(400);
    await t.http().get(`/contracts/${crypto.randomUUID()}/apps/usage`).set(admin).expect(404);
  });
});

/** The apps' lines add up to the period's figures, the money to the cent. */
function expectAddsUp(
  apps: AppUsage[],
  period: {
    uniqueHandles: number;
    overageHandles: number;
    overageCost: { amount: string; currency: string };
    calls: number;
  },
): void {
  expect(apps.reduce((n, a) => n + a.calls, 0)).toBe(period.calls);
  expect(apps.reduce((n, a) => n + a.firstCountedHandles, 0)).toBe(period.uniqueHandles);
  expect(apps.reduce((n, a) => n + a.overageHandles, 0)).toBe(period.overageHandles);
  expect(apps.reduce((n, a) => n + parseAmount(a.overageCost.amount), 0n)).toBe(parseAmount(period.overageCost.amount));
  for (const a of apps) expect(a.overageCost.currency).toBe(period.overageCost.currency);
}
