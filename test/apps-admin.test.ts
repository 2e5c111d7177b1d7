import * as crypto from 'node:crypto';
import { expectStatus, seed, totalsBody } from './support/fixtures';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

/** Apps change and go: rotate, rename, delete — at once at the gateway, audited, history kept. */
describe('apps: PATCH and DELETE; handles: POST', () => {
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
  const rnd = (n = 16) => crypto.randomBytes(n).toString('hex');
  const userCall = (key: string, userId: string) =>
    t.http().post('/insights/engagement/totals').set('X-API-Key', key).set('X-Handle', userId).send(totalsBody());
  const bearerCall = (token: string) =>
    t
      .http()
      .post('/insights/engagement/totals')
      .set('Authorization', `Bearer ${token}`)
      .send(totalsBody(['favorites']));
  const auditOf = async (entityId: string) =>
    (
      (await t.http().get('/audit-log?limit=1000').set(admin).expect(200)).body.entries as {
        entityId: string;
        action: string;
        changes: Record<string, unknown>;
      }[]
    ).filter((e) => e.entityId === entityId);

  it('rotates the consumer secret: the next call is signed with the new one, and nothing shows it', async () => {
    const s = await seed(t);
    expectStatus(await userCall(s.clientKey, s.handles[0].userId), 200);
    const secret = `cs_${rnd()}`;
    const res = await t
      .http()
      .patch(`/apps/${s.appId}`)
      .set(admin)
      .send({ consumerSecret: secret, name: 'analytics-renamed' });
    expectStatus(res, 200);
    expect(res.body).toMatchObject({
      id: s.appId,
      name: 'analytics-renamed',
      consumerKey: s.consumerKey,
      hasBearerToken: true,
      deletedAt: null,
    });
    expect(JSON.stringify(res.body)).not.toContain(secret);
    // X now knows only the new secret: a call signed with the old one would be refused there.
    t.sim.addApp({ consumerKey: s.consumerKey, consumerSecret: secret, bearerToken: s.bearerToken });
    expectStatus(await userCall(s.clientKey, s.handles[0].userId), 200);
    const [entry] = await auditOf(s.appId).then((es) => es.filter((e) => e.action === 'update'));
    expect(entry.changes).toEqual({
      name: { from: 'analytics', to: 'analytics-renamed' },
      secrets: ['consumerSecret'],
    });
    expect(JSON.stringify(await auditOf(s.appId))).not.toContain(secret);
  });

  it('rotates the bearer token (the old one stops at once) and removes it with null', async () => {
    const s = await seed(t);
    expectStatus(await bearerCall(s.bearerToken), 200);
    const next = `AAAA${rnd(24)}`;
    expectStatus(await t.http().patch(`/apps/${s.appId}`).set(admin).send({ bearerToken: next }), 200);
    t.sim.addApp({ consumerKey: s.consumerKey, consumerSecret: s.consumerSecret, bearerToken: next });
    expect((await bearerCall(s.bearerToken)).status).toBe(401);
    expectStatus(await bearerCall(next), 200);

    const removed = await t.http().patch(`/apps/${s.appId}`).set(admin).send({ bearerToken: null });
    expectStatus(removed, 200);
    expect(removed.body.hasBearerToken).toBe(false);
    expect((await bearerCall(next)).status).toBe(401);
    // A key bound to the app can no longer make app-only calls either.
    const appOnly = await t
      .http()
      .post('/insights/engagement/totals')
      .set('X-API-Key', s.clientKey)
      .send(totalsBody(['favorites']));
    expect(appOnly.status).toBeGreaterThanOrEqual(400);
  });

  it('refuses placeholders and bad fields with one sentence per field', async () => {
    const s = await seed(t);
    for (const bad of ['…', '...', '<consumer secret>', 'abc\ndef', ' cs_123', 'cs_123 ']) {
      const res = await t.http().patch(`/apps/${s.appId}`).set(admin).send({ consumerSecret: bad });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: {
          fields: { consumerSecret: expect.stringMatching(/placeholder.*paste the real X app's consumer secret/) },
        },
      });
    }
    const many = await t.http().patch(`/apps/${s.appId}`).set(admin).send({ name: '', bearerToken: 42, color: 'red' });
    expect(many.status).toBe(400);
    expect(many.body.message).toMatch(/^Fix the 3 problems listed in details\.fields, starting with: /);
    expect(many.body.details.fields).toEqual({
      name: 'must be a name of 1 to 200 characters, such as "analytics-prod"',
      bearerToken: "must be the X app's bearer token as a non-empty string",
      color: 'is not a field of this request: remove it',
    });
  });

  it('deletes an app: secrets and tokens destroyed, client keys revoked, history kept, consumer key free again', async () => {
    const s = await seed(t, { handles: 2 });
    expectStatus(await userCall(s.clientKey, s.handles[0].userId), 200);
    await t.settle();
    const before = (await t.http().get(`/contracts/${s.contractId}/usage`).set(admin).expect(200)).body;

    await t.http().delete(`/apps/${s.appId}`).set(admin).expect(204);

    // The client key is revoked, the handles' tokens and the bearer token no longer work.
    expect((await userCall(s.clientKey, s.handles[0].userId)).status).toBe(401);
    expect((await bearerCall(s.bearerToken)).status).toBe(401);
    const dropIn = await t
      .http()
      .post('/insights/engagement/totals')
      .set('X-API-Key', ADMIN_KEY)
      .set('X-App-Id', s.appId)
      .set('X-Handle', s.handles[1].userId)
      .send(totalsBody());
    expect(dropIn.status).toBe(404);
    const keys = (await t.http().get('/api-keys').set(admin).expect(200)).body as {
      appId: string | null;
      revokedAt: string | null;
    }[];
    expect(keys.filter((k) => k.appId === s.appId).every((k) => k.revokedAt !== null)).toBe(true);
    // Gone from the live list and from every app route, 404 again on a second delete.
    expect((await t.http().get(`/contracts/${s.contractId}/apps`).set(admin).expect(200)).body).toEqual([]);
    await t.http().get(`/apps/${s.appId}`).set(admin).expect(404);
    await t.http().delete(`/apps/${s.appId}`).set(admin).expect(404);
    await t.http().patch(`/apps/${s.appId}`).set(admin).send({ name: 'x' }).expect(404);
    // History stays: the period's figures are unchanged, and the deleted app is listed on request.
    const after = (await t.http().get(`/contracts/${s.contractId}/usage`).set(admin).expect(200)).body;
    expect({ u: after.uniqueHandles, c: after.calls }).toEqual({ u: before.uniqueHandles, c: before.calls });
    const all = (
      await t
        .http()
        .get(`/contracts/${s.contractId}/apps?includeDeleted=true`)
        .set(financeKey ? { 'X-API-Key': financeKey } : admin)
        .expect(200)
    ).body;
    expect(all).toEqual([expect.objectContaining({ id: s.appId, name: 'analytics', deletedAt: expect.any(String) })]);
    // Audited, with the keys it revoked.
    const audit = await auditOf(s.appId);
    expect(audit.map((e) => e.action)).toContain('delete');
    expect(audit.find((e) => e.action === 'delete')!.changes).toMatchObject({
      consumerKey: s.consumerKey,
      handlesRemoved: 2,
    });
    // The consumer key may be registered again.
    const again = await t
      .http()
      .post(`/contracts/${s.contractId}/apps`)
      .set(admin)
      .send({ name: 'analytics again', consumerKey: s.consumerKey, consumerSecret: s.consumerSecret });
    expectStatus(again, 201);
  });

  it('registers a handle once: the same user again is 409 naming it, and the audit names the secret fields only', async () => {
    const s = await seed(t);
    const [h] = s.handles;
    const again = await t
      .http()
      .post(`/apps/${s.appId}/handles`)
      .set(admin)
      .send({
        screenName: `@${h.screenName}`,
        accessToken: `${h.userId}-${rnd(12)}`,
        accessTokenSecret: `ats_${rnd()}`,
      });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      code: 'CONFLICT',
      message: `This app already has a handle with user ID ${h.userId}, screen name @${h.screenName}, or this access token.`,
      details: { userId: h.userId, screenName: h.screenName },
    });
    const listed = (await t.http().get(`/apps/${s.appId}/handles`).set(admin).expect(200)).body as { id: string }[];
    expect(listed).toHaveLength(1);
    const entries = await auditOf(listed[0].id);
    expect(entries).toEqual([
      expect.objectContaining({
        action: 'create',
        changes: {
          appId: s.appId,
          userId: h.userId,
          screenName: h.screenName,
          secrets: ['accessToken', 'accessTokenSecret'],
        },
      }),
    ]);
    expect(JSON.stringify(entries)).not.toContain(h.accessTokenSecret);
  });

  it('lets finance list apps, never with a secret, and not change them', async () => {
    const s = await seed(t);
    const res = await t.http().get(`/contracts/${s.contractId}/apps`).set('X-API-Key', financeKey).expect(200);
    expect(res.body).toEqual([
      expect.objectContaining({ id: s.appId, name: 'analytics', consumerKey: s.consumerKey, hasBearerToken: true }),
    ]);
    const text = JSON.stringify(res.body);
    for (const secret of [s.consumerSecret, s.bearerToken, s.handles[0].accessToken])
      expect(text).not.toContain(secret);
    await t.http().patch(`/apps/${s.appId}`).set('X-API-Key', financeKey).send({ name: 'x' }).expect(403);
    await t.http().delete(`/apps/${s.appId}`).set('X-API-Key', financeKey).expect(403);
  });
});

describe('admin validation messages', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  const admin = { 'X-API-Key': ADMIN_KEY };

  it('names the fix for each bad contract field in one sentence', async () => {
    const res = await t
      .http()
      .post('/contracts')
      .set(admin)
      .send({ name: 'Acme', handleAllowance: 100_000_000.5, overagePrice: 'twelve' });
    expect(res.status).toBe(400);
    expect(res.body.details.fields).toEqual({
      handleAllowance: 'must be a whole number of handles from 0 to 100,000,000, such as 500',
      overagePrice: 'must be an object such as {"amount": "12.50", "currency": "USD"}',
    });
    expect(res.body.message).toBe(
      'Fix the 2 problems listed in details.fields, starting with: handleAllowance must be a whole number of handles from 0 to 100,000,000, such as 500.',
    );
    const one = await t
      .http()
      .post('/contracts')
      .set(admin)
      .send({ name: 'Acme', handleAllowance: 5, overagePrice: { amount: 12.5, currency: 'usd' } });
    expect(one.body.details.fields).toEqual({
      'overagePrice.amount': 'must be a decimal string with at most two decimals, such as "12.50" (not a number)',
      'overagePrice.currency': 'must be a three-letter ISO 4217 code such as "USD"',
    });
    for (const m of Object.values<string>(one.body.details.fields))
      expect(m).not.toMatch(/nested property|must be either object or array|;/);
  });

  it("refuses the README's placeholder access token and stores nothing", async () => {
    const s = await seed(t);
    for (const accessToken of ['1234-abc…', '1234-abc...', '<access token>', '1234-abc\tdef', '1234-abc ']) {
      const res = await t
        .http()
        .post(`/apps/${s.appId}/handles`)
        .set(admin)
        .send({ screenName: '@placeholder', accessToken, accessTokenSecret: 'ats_real_0123456789' });
      expect(res.status).toBe(400);
      expect(res.body.details.fields.accessToken).toMatch(/looks like a placeholder/);
    }
    const secret = await t
      .http()
      .post(`/apps/${s.appId}/handles`)
      .set(admin)
      .send({ screenName: '@placeholder', accessToken: '1234-realtoken', accessTokenSecret: '…' });
    expect(secret.body.details.fields).toEqual({
      accessTokenSecret: expect.stringMatching(/paste the real handle's access token secret/),
    });
    const handles = (await t.http().get(`/apps/${s.appId}/handles`).set(admin).expect(200)).body as {
      screenName: string;
    }[];
    expect(handles.map((h) => h.screenName)).not.toContain('placeholder');
    const app = await t
      .http()
      .post(`/contracts/${s.contractId}/apps`)
      .set(admin)
      .send({ name: 'x', consumerKey: 'ck_…', consumerSecret: 'cs_ok_0123' });
    expect(app.body.details.fields.consumerKey).toBeDefined();
  });
});
