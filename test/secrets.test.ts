/**
 * Secrets never come out (docs/api.md: "Secrets and access tokens are never returned by any endpoint",
 * "encrypted at rest", API keys "stored only as a hash"): no answer of any read endpoint and no
 * row of any table holds a consumer secret, bearer token, access token or secret, or an API key,
 * raw or merely re-encoded (webhook URLs included). Deleting a handle destroys its tokens but keeps its usage.
 */
import * as crypto from 'node:crypto';
import type { Response } from 'supertest';
import { withClient } from './support/database';
import { expectStatus, seed, Seeded, totalsBody } from './support/fixtures';
import { findLeaks, Secret } from './support/leaks';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';
import { WebhookReceiver } from './support/webhook-receiver';

const rnd = (n: number) => crypto.randomBytes(n).toString('hex');
const period = () => new Date().toISOString().slice(0, 7);

describe('secrets', () => {
  let t: TestApp;
  let s: Seeded;
  let financeKey: string;
  let secrets: Secret[];
  let hooks: WebhookReceiver;
  let webhookPath: string;
  /** Answers to the writes that took secrets in: they must not echo them either. */
  const writeAnswers: Array<[string, Response]> = [];
  const admin = (method: 'get' | 'post' | 'delete', path: string) => t.http()[method](path).set('X-API-Key', ADMIN_KEY);

  beforeAll(async () => {
    t = await startTestApp();
    // A webhook URL is a credential too (a Slack incoming webhook's path is its secret): the contract
    // holds one, and an alert below puts a copy in the outbox and the audit log has the change.
    hooks = await WebhookReceiver.start();
    webhookPath = `/services/T${rnd(5)}/B${rnd(5)}/${rnd(12)}`;
    s = await seed(t, {
      handles: 3,
      contract: {
        handleAllowance: 2,
        alertThresholds: [0.5],
        notify: { emails: [], webhookUrl: `http://127.0.0.1:${hooks.port}${webhookPath}` },
      },
    });

    // A handle whose token carries no user ID: userId is given instead.
    const odd = {
      userId: String(880_000_000 + crypto.randomInt(1_000_000)),
      screenName: `odd_${rnd(3)}`,
      accessToken: `tok_${rnd(20)}`,
      accessTokenSecret: `sec_${rnd(20)}`,
    };
    const oddRes = await admin('post', `/apps/${s.appId}/handles`).send({
      screenName: odd.screenName,
      userId: odd.userId,
      accessToken: odd.accessToken,
      accessTokenSecret: odd.accessTokenSecret,
    });
    expectStatus(oddRes, 201);
    writeAnswers.push(['POST /apps/:id/handles', oddRes]);
    t.sim.addToken(odd);
    s.handles.push(odd);

    // A second app, so an app-create answer is checked too.
    const second = { consumerKey: `ck_${rnd(6)}`, consumerSecret: `cs2_${rnd(16)}`, bearerToken: `AAAA2${rnd(24)}` };
    const appRes = await admin('post', `/contracts/${s.contractId}/apps`).send({ name: 'second', ...second });
    expectStatus(appRes, 201);
    writeAnswers.push(['POST /contracts/:id/apps', appRes]);

    const fin = await admin('post', '/api-keys').send({ name: 'finance', role: 'finance' });
    expectStatus(fin, 201);
    financeKey = fin.body.key;

    // Calls of every kind: user context on each endpoint, app-only, one X refuses, one we refuse.
    const gw = (endpoint: string, handle?: string) => {
      const r = t.http().post(`/insights/engagement/${endpoint}`).set('X-API-Key', s.clientKey);
      return handle ? r.set('X-Handle', handle) : r;
    };
    for (const h of s.handles)
      expectStatus(
        await gw('totals', `@${h.screenName}`).send(totalsBody(['impressions', 'engagements', 'favorites'])),
        200,
      );
    expectStatus(await gw('28hr', s.handles[0].userId).send(totalsBody(['impressions', 'url_clicks'])), 200);
    expectStatus(await gw('totals').send(totalsBody(['favorites', 'retweets'])), 200);
    t.sim.behaviour = { mode: 'normal', delayMs: 0, forceStatus: 403 };
    expectStatus(await gw('totals', `@${s.handles[1].screenName}`).send(totalsBody()), 403);
    t.sim.behaviour = { mode: 'normal', delayMs: 0 };
    expectStatus(await gw('totals', '@unregistered').send(totalsBody()), 404);
    await t.settle();
    expect(t.sim.received.filter((c) => c.status === 200)).toHaveLength(s.handles.length + 2);
    expectStatus(await admin('post', '/jobs/check-alerts'), 200);
    expect((await hooks.waitFor(1))[0].body.text).toContain('unique handles');

    // One handle removed: its tokens must be gone, not merely hidden.
    const list = await admin('get', `/apps/${s.appId}/handles`);
    const gone = list.body.find((h: { userId: string }) => h.userId === s.handles[2].userId);
    expectStatus(await admin('delete', `/apps/${s.appId}/handles/${gone.id}`), 204);

    secrets = [
      { name: 'consumer secret', value: s.consumerSecret },
      { name: 'bearer token', value: s.bearerToken },
      { name: 'second consumer secret', value: second.consumerSecret },
      { name: 'second bearer token', value: second.bearerToken },
      ...s.handles.flatMap((h, i) => [
        { name: `access token ${i}`, value: h.accessToken },
        { name: `access token secret ${i}`, value: h.accessTokenSecret },
      ]),
      { name: 'client API key', value: s.clientKey },
      { name: 'finance API key', value: financeKey },
      { name: 'ADMIN_API_KEY', value: ADMIN_KEY },
      { name: 'webhook URL (its path)', value: webhookPath },
    ];
  });
  afterAll(async () => {
    await t.close();
    await hooks.stop();
  });

  it('the leak finder finds a secret in each form it checks (control)', () => {
    const v = s.handles[0].accessTokenSecret;
    const one = [{ name: 'x', value: v }];
    expect(findLeaks(`..${v}..`, one)).toContain('x (raw)');
    expect(findLeaks(Buffer.from(v).toString('base64'), one)).toContain('x (base64)');
    expect(findLeaks(Buffer.from(v).toString('hex'), one)).toContain('x (hex)');
    expect(findLeaks(`"…${v.slice(3, 17)}"`, one)).toEqual([`x (piece "${v.slice(3, 15)}")`]);
    expect(findLeaks(`"…${v.slice(-4)}"`, one)).toEqual([]);
  });

  it('no answer of a read endpoint contains a secret', async () => {
    const other = (await admin('get', `/contracts/${s.contractId}/apps`)).body.find(
      (a: { id: string }) => a.id !== s.appId,
    );
    const reads: Array<[string, string, string]> = [
      // [name, path, key]
      ['GET /contracts', '/contracts', ADMIN_KEY],
      ['GET /contracts/:id', `/contracts/${s.contractId}`, ADMIN_KEY],
      ['GET /contracts/:id/apps', `/contracts/${s.contractId}/apps`, ADMIN_KEY],
      ['GET /apps/:id', `/apps/${s.appId}`, ADMIN_KEY],
      ['GET /apps/:id (second app)', `/apps/${other.id}`, ADMIN_KEY],
      ['GET /apps/:id/handles', `/apps/${s.appId}/handles`, ADMIN_KEY],
      ['GET /api-keys', '/api-keys', ADMIN_KEY],
      ['GET /audit-log', '/audit-log?limit=1000', ADMIN_KEY],
      ['GET /contracts/:id/usage', `/contracts/${s.contractId}/usage`, ADMIN_KEY],
      ['GET /contracts/:id/usage (finance)', `/contracts/${s.contractId}/usage`, financeKey],
      ['GET roster', `/contracts/${s.contractId}/periods/${period()}/handles`, financeKey],
      ['GET roster as CSV', `/contracts/${s.contractId}/periods/${period()}/handles?format=csv`, financeKey],
      ['GET /rate-limits', '/rate-limits', financeKey],
      ['GET /contracts/:id/alerts (finance)', `/contracts/${s.contractId}/alerts`, financeKey],
      ['GET /health', '/health', ADMIN_KEY],
      ['GET /docs-json', '/docs-json', ADMIN_KEY],
    ];
    const leaks: Record<string, string[]> = {};
    for (const [name, path, key] of reads) {
      const res = await t.http().get(path).set('X-API-Key', key).buffer(true);
      expect({ name, status: res.status }).toEqual({ name, status: 200 });
      const text = `${JSON.stringify(res.headers)}\n${res.text}`;
      expect(text.length).toBeGreaterThan(10);
      const found = findLeaks(text, secrets);
      if (found.length) leaks[name] = found;
    }
    for (const [name, res] of writeAnswers) {
      const found = findLeaks(`${JSON.stringify(res.headers)}\n${res.text}`, secrets);
      if (found.length) leaks[name] = found;
    }
    expect(leaks).toEqual({});
  });

  it('the reads do show what identifies things: consumer keys, user IDs, screen names, masked hints at most', async () => {
    const apps = await admin('get', `/contracts/${s.contractId}/apps`);
    expect(apps.body.map((a: { consumerKey: string }) => a.consumerKey)).toContain(s.consumerKey);
    const handles = await admin('get', `/apps/${s.appId}/handles`);
    expect(handles.body.map((h: { userId: string }) => h.userId).sort()).toEqual(
      [s.handles[0], s.handles[1], s.handles[3]].map((h) => h.userId).sort(),
    );
    const secretFields = ['consumerSecret', 'bearerToken', 'accessToken', 'accessTokenSecret', 'key'];
    for (const view of [...apps.body, ...handles.body])
      for (const f of secretFields) expect(view).not.toHaveProperty(f);
  });

  it('no row of any table holds a secret, raw or re-encoded', async () => {
    const dump = await withClient(t.databaseUrl, async (c) => {
      const tables = await c.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
      );
      const out: Record<string, string[]> = {};
      for (const { table_name } of tables.rows) {
        const rows = await c.query(`SELECT t::text AS row FROM public."${String(table_name).replace(/"/g, '""')}" t`);
        out[table_name] = rows.rows.map((r) => r.row as string);
      }
      return out;
    });

    // The scan is not vacuous: it reads the tables that hold credentials and usage.
    expect(Object.keys(dump)).toEqual(
      expect.arrayContaining([
        'apps',
        'handles',
        'api_keys',
        'audit_log',
        'calls',
        'period_handles',
        'contracts',
        'outbox',
      ]),
    );
    expect(dump.outbox.some((r) => r.includes('webhook'))).toBe(true);
    const all = Object.values(dump).flat().join('\n');
    expect(all).toContain(s.consumerKey);
    for (const h of s.handles) expect(all).toContain(h.userId);
    expect(dump.apps.length).toBeGreaterThanOrEqual(2);
    expect(dump.handles.length).toBeGreaterThanOrEqual(s.handles.length);
    expect(dump.calls.length).toBeGreaterThanOrEqual(s.handles.length + 3);

    const leaks: Record<string, string[]> = {};
    for (const [table, rows] of Object.entries(dump)) {
      const found = findLeaks(rows.join('\n'), secrets);
      if (found.length) leaks[table] = found;
    }
    expect(leaks).toEqual({});
  });

  it('stored secrets are sealed, not encoded: the same secret stored twice gives two different values, and X still accepts the calls', async () => {
    const same = `cs_same_${rnd(16)}`;
    const token = `AAAAsame${rnd(16)}`;
    for (const n of [1, 2]) {
      const res = await admin('post', `/contracts/${s.contractId}/apps`).send({
        name: `twin ${n}`,
        consumerKey: `ck_twin${n}_${rnd(4)}`,
        consumerSecret: same,
        bearerToken: n === 1 ? token : `${token}x`,
      });
      expectStatus(res, 201);
    }
    const rows = await withClient(t.databaseUrl, (c) =>
      c.query(`SELECT consumer_secret_enc FROM apps WHERE name LIKE 'twin %' ORDER BY name`),
    );
    const [a, b] = rows.rows.map((r) => r.consumer_secret_enc as string);
    expect(a).toEqual(expect.any(String));
    expect(a.length).toBeGreaterThan(same.length);
    expect(a).not.toBe(b); // a hash or an encoding of the same secret would be equal
    expect(findLeaks(`${a}\n${b}`, [{ name: 'same', value: same }])).toEqual([]);
    // Still usable: X accepted the calls signed with the stored credentials.
    expect(t.sim.received.some((c) => c.auth === 'bearer' && c.consumerKey === s.consumerKey && c.status === 200)).toBe(
      true,
    );
    expect(t.sim.received.some((c) => c.auth === 'oauth1' && c.consumerKey === s.consumerKey && c.status === 200)).toBe(
      true,
    );
  });

  describe('DELETE /apps/:id/handles/:handleId', () => {
    it('destroys the tokens, keeps the handle in the period’s usage, and stops its calls at once', async () => {
      const c = await seed(t, { handles: 2 });
      const [h, keep] = c.handles;
      const call = (ref: string) =>
        t
          .http()
          .post('/insights/engagement/totals')
          .set('X-API-Key', c.clientKey)
          .set('X-Handle', ref)
          .send(totalsBody());
      expectStatus(await call(`@${h.screenName}`), 200); // also warms any credentials cache
      expectStatus(await call(`@${keep.screenName}`), 200);
      await t.settle();

      const list = await admin('get', `/apps/${c.appId}/handles`);
      const id = list.body.find((x: { userId: string }) => x.userId === h.userId).id;
      expectStatus(await admin('delete', `/apps/${c.appId}/handles/${id}`), 204);

      const row = await withClient(t.databaseUrl, (db) => db.query(`SELECT * FROM handles WHERE id = $1`, [id]));
      expect(row.rows).toHaveLength(1);
      expect(row.rows[0]).toEqual(
        expect.objectContaining({ access_token_enc: null, access_token_secret_enc: null, access_token_hash: null }),
      );
      expect(
        findLeaks(JSON.stringify(row.rows[0]), [
          { name: 'token', value: h.accessToken },
          { name: 'secret', value: h.accessTokenSecret },
        ]),
      ).toEqual([]);
      // The other handle's tokens are untouched.
      const kept = await withClient(t.databaseUrl, (db) =>
        db.query(`SELECT access_token_enc, access_token_secret_enc FROM handles WHERE app_id = $1 AND user_id = $2`, [
          c.appId,
          keep.userId,
        ]),
      );
      expect(kept.rows[0].access_token_enc).toEqual(expect.any(String));
      expect(kept.rows[0].access_token_secret_enc).toEqual(expect.any(String));

      // Gone from the app's handles, not from the bill.
      const after = await admin('get', `/apps/${c.appId}/handles`);
      expect(after.body.map((x: { userId: string }) => x.userId)).toEqual([keep.userId]);
      const usage = await admin('get', `/contracts/${c.contractId}/usage`);
      expect(usage.body).toEqual(expect.objectContaining({ uniqueHandles: 2, calls: 2 }));
      const roster = await t
        .http()
        .get(`/contracts/${c.contractId}/periods/${usage.body.period.key}/handles`)
        .set('X-API-Key', financeKey);
      expectStatus(roster, 200);
      expect(roster.body.map((r: { userId: string }) => r.userId).sort()).toEqual([h.userId, keep.userId].sort());

      // No call can use the destroyed tokens, even straight after the delete.
      t.sim.reset();
      for (const ref of [`@${h.screenName}`, h.userId]) {
        const res = await call(ref);
        expect({ status: res.status, code: res.body.code }).toEqual({ status: 404, code: 'HANDLE_NOT_REGISTERED' });
      }
      expect(t.sim.received).toEqual([]);
      expectStatus(await call(`@${keep.screenName}`), 200);

      // Deleting it again is a 404; the audit log says who deleted it.
      expect((await admin('delete', `/apps/${c.appId}/handles/${id}`)).status).toBe(404);
      const audit = await admin('get', '/audit-log?limit=20');
      expect(audit.body.entries).toEqual(
        expect.arrayContaining([expect.objectContaining({ action: 'delete', entity: 'handle', entityId: id })]),
      );
    });

    it('a handle registered again after deletion is the same handle for the bill (same user ID)', async () => {
      const c = await seed(t);
      const [h] = c.handles;
      const call = () =>
        t
          .http()
          .post('/insights/engagement/totals')
          .set('X-API-Key', c.clientKey)
          .set('X-Handle', h.userId)
          .send(totalsBody());
      expectStatus(await call(), 200);
      const list = await admin('get', `/apps/${c.appId}/handles`);
      expectStatus(await admin('delete', `/apps/${c.appId}/handles/${list.body[0].id}`), 204);

      const fresh = { accessToken: `${h.userId}-${rnd(12)}`, accessTokenSecret: `ats_${rnd(16)}` };
      expectStatus(
        await admin('post', `/apps/${c.appId}/handles`).send({ screenName: `@${h.screenName}`, ...fresh }),
        201,
      );
      t.sim.addToken({ ...fresh, userId: h.userId, screenName: h.screenName });
      t.sim.reset();
      expectStatus(await call(), 200);
      // Signed with the new token, not the destroyed one.
      expect(t.sim.received.map((r) => r.headers.authorization)).toEqual([
        expect.stringContaining(`oauth_token="${encodeURIComponent(fresh.accessToken)}"`),
      ]);
      await t.settle();
      const usage = await admin('get', `/contracts/${c.contractId}/usage`);
      expect(usage.body).toEqual(expect.objectContaining({ uniqueHandles: 1, calls: 2 }));
    });
  });
});
