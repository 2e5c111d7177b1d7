/**
 * Issue 11 as an attacker would try it, on loopback: webhooks into our own network, webhook URLs
 * read back, the bootstrap key brought back by a restart, guessing at full speed, credential
 * look-ups that cost memory. Each rule through the real app, a real receiver and real PostgreSQL.
 */
import { Logger } from '@nestjs/common';
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { ApiKeysRepository } from '../src/auth/api-keys.repository';
import { AppsRepository } from '../src/contracts/apps.repository';
import { HostResolver, ResolvedAddress } from '../src/outbox/host-resolver';
import { createTestDatabase, withClient } from './support/database';
import { expectStatus, seed, totalsBody } from './support/fixtures';
import { findLeaks } from './support/leaks';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';
import { WebhookReceiver } from './support/webhook-receiver';

const rnd = (n: number) => crypto.randomBytes(n).toString('hex');
const admin = (t: TestApp) => ({
  get: (path: string) => t.http().get(path).set('X-API-Key', ADMIN_KEY),
  post: (path: string) => t.http().post(path).set('X-API-Key', ADMIN_KEY),
  patch: (path: string) => t.http().patch(path).set('X-API-Key', ADMIN_KEY),
  delete: (path: string) => t.http().delete(path).set('X-API-Key', ADMIN_KEY),
});

/** The test resolver: names in `answers` resolve as a test says, at the moment it says; others as DNS does. */
function fakeDns(t: TestApp): { answers: Record<string, string>; asked: string[] } {
  const resolver = t.app.get(HostResolver);
  const real = resolver.lookup.bind(resolver);
  const state = { answers: {} as Record<string, string>, asked: [] as string[] };
  resolver.lookup = async (host: string): Promise<ResolvedAddress[]> => {
    state.asked.push(host);
    const a = state.answers[host];
    return a ? [{ address: a, family: a.includes(':') ? 6 : 4 }] : real(host);
  };
  return state;
}

const contract = (webhookUrl: string | null, extra: Record<string, unknown> = {}) => ({
  name: 'Hooked',
  handleAllowance: 1,
  overagePrice: { amount: '1.00', currency: 'USD' },
  alertThresholds: [1.0],
  notify: { emails: [], webhookUrl },
  ...extra,
});

/** One call that uses the allowance up, then the alert job: a webhook is queued and tried at once. */
async function raiseAlert(t: TestApp, s: { clientKey: string; handles: { userId: string }[] }): Promise<void> {
  expectStatus(
    await t
      .http()
      .post('/insights/engagement/totals')
      .set('X-API-Key', s.clientKey)
      .set('X-Handle', s.handles[0].userId)
      .send(totalsBody()),
    200,
  );
  await t.settle();
  expectStatus(await admin(t).post('/jobs/check-alerts'), 200);
}

async function webhookDelivery(
  t: TestApp,
  contractId: string,
  key = ADMIN_KEY,
): Promise<{ status: string; attempts: number; lastError: string | null; target: string }> {
  for (let i = 0; i < 100; i++) {
    const alerts = (await t.http().get(`/contracts/${contractId}/alerts`).set('X-API-Key', key)).body;
    const hook = alerts[0]?.channels.find((c: { channel: string }) => c.channel === 'webhook');
    if (hook && hook.attempts > 0 && hook.status !== 'sending') return hook;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no webhook delivery attempt');
}

/** An HTTP server that answers every request with `status` and a Location header. */
async function redirector(location: string): Promise<{ url: string; hits: number; stop: () => Promise<void> }> {
  const state = { hits: 0 };
  const server = http.createServer((req, res) => {
    state.hits++;
    req.resume();
    res.writeHead(302, { Location: location }).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get hits() {
      return state.hits;
    },
    stop: () => new Promise((r) => server.close(() => r())),
  };
}

describe('webhook targets (WEBHOOK_ALLOW_PRIVATE off, as in production)', () => {
  let t: TestApp;
  let dns: ReturnType<typeof fakeDns>;
  let receiver: WebhookReceiver;
  let financeKey: string;

  beforeAll(async () => {
    t = await startTestApp({ config: { webhookAllowPrivate: false, outboxRetryBaseMs: 60_000 } });
    dns = fakeDns(t);
    receiver = await WebhookReceiver.start();
    financeKey = (await admin(t).post('/api-keys').send({ name: 'finance', role: 'finance' })).body.key;
  });
  afterAll(async () => {
    await receiver.stop();
    await t.close();
  });

  it.each([
    ['http://127.0.0.1:5432/', 'loopback'],
    ['http://localhost:5432/', 'loopback'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://10.1.2.3/hook', 'private'],
    ['http://172.20.0.1/hook', 'private'],
    ['http://192.168.0.10/hook', 'private'],
    ['http://100.64.1.1/hook', 'shared'],
    ['http://224.0.0.251/hook', 'multicast'],
    ['http://0.0.0.0:8080/', 'unspecified'],
    ['http://[::1]:3000/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:a9fe:a9fe]/latest', 'link-local'],
    ['http://[fd00::5]/hook', 'private'],
    ['http://[fe80::1]/hook', 'link-local'],
  ])('refuses %s at save (%s), on create and on change', async (url, range) => {
    const created = await admin(t).post('/contracts').send(contract(url));
    expect(created.status).toBe(400);
    expect(created.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { fields: { 'notify.webhookUrl': expect.stringContaining(`${range} address`) } },
    });
    const ok = await admin(t).post('/contracts').send(contract(null));
    expectStatus(ok, 201);
    const changed = await admin(t)
      .patch(`/contracts/${ok.body.id}`)
      .send({ notify: { webhookUrl: url } });
    expect(changed.status).toBe(400);
    expect(changed.body.details.fields).toHaveProperty(['notify.webhookUrl']);
  });

  it('refuses a name that resolves inside, and schemes other than http(s)', async () => {
    dns.answers['metadata.example.test'] = '169.254.169.254';
    const res = await admin(t).post('/contracts').send(contract('https://metadata.example.test/computeMetadata/v1/'));
    expect(res.status).toBe(400);
    expect(res.body.details.fields['notify.webhookUrl']).toMatch(/resolves to a link-local address/);
    expect(res.body.message).not.toContain('169.254');
    for (const url of ['ftp://files.example.test/x', 'file:///etc/passwd', 'gopher://127.0.0.1:6379/_INFO']) {
      const bad = await admin(t).post('/contracts').send(contract(url));
      expect({ url, status: bad.status, code: bad.body.code }).toEqual({ url, status: 400, code: 'VALIDATION_FAILED' });
    }
    const unresolvable = await admin(t).post('/contracts').send(contract('https://no-such-host.invalid/hook'));
    expect(unresolvable.status).toBe(400);
    expect(unresolvable.body.details.fields['notify.webhookUrl']).toMatch(/does not resolve/);
  });

  it('DNS rebinding: a name public at save and loopback at delivery gets nothing, and finance reads no address or port', async () => {
    const name = `rebind-${rnd(3)}.example.test`;
    dns.answers[name] = '93.184.216.34';
    const s = await seed(t, { contract: contract(`http://${name}:${receiver.port}/hooks/secret-${rnd(8)}`) });
    dns.answers[name] = '127.0.0.1'; // where the receiver listens
    dns.asked.length = 0;
    await raiseAlert(t, s);
    const hook = await webhookDelivery(t, s.contractId, financeKey);
    expect(dns.asked).toContain(name); // resolved again at delivery
    expect(hook.status).toBe('pending');
    expect(hook.lastError).toMatch(/loopback address/);
    expect(hook.lastError).not.toContain('127.0.0.1');
    expect(hook.lastError).not.toContain(String(receiver.port));
    expect(receiver.attempts).toBe(0);
  });
});

describe('webhook delivery (WEBHOOK_ALLOW_PRIVATE on, so the receivers on loopback are reachable)', () => {
  let t: TestApp;
  let dns: ReturnType<typeof fakeDns>;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await startTestApp({ config: { webhookAllowPrivate: true, outboxRetryBaseMs: 60_000 } });
    dns = fakeDns(t);
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver.stop();
    await t.close();
  });

  it('connects to the address it resolved, keeping the name in Host', async () => {
    const name = `hooks-${rnd(3)}.example.test`; // resolvable only through the test resolver
    dns.answers[name] = '127.0.0.1';
    const s = await seed(t, { contract: contract(`http://${name}:${receiver.port}/hooks/handlemeter`) });
    await raiseAlert(t, s);
    const [got] = await receiver.waitFor(1);
    expect(got.headers.host).toBe(`${name}:${receiver.port}`);
    expect(got.body.text).toContain('1 of 1 unique handles');
    expect((await webhookDelivery(t, s.contractId)).status).toBe('sent');
  });

  it('does not follow a redirect, even to an address it may reach', async () => {
    const inside = await WebhookReceiver.start();
    const hop = await redirector(`${inside.url}?from=redirect`);
    try {
      const s = await seed(t, { contract: contract(hop.url) });
      await raiseAlert(t, s);
      const hook = await webhookDelivery(t, s.contractId);
      expect(hop.hits).toBe(1);
      expect(inside.attempts).toBe(0);
      expect(hook.status).toBe('pending');
      expect(hook.lastError).toBe('webhook answered 302 (a redirect, not followed)');
    } finally {
      await hop.stop();
      await inside.stop();
    }
  });

  it('a refused connection is "connection refused": no address, no port', async () => {
    const closed = await WebhookReceiver.start();
    const port = closed.port;
    await closed.stop();
    const s = await seed(t, { contract: contract(`http://127.0.0.1:${port}/hook`) });
    await raiseAlert(t, s);
    const hook = await webhookDelivery(t, s.contractId);
    expect(hook.lastError).toBe('connection refused');
    expect(hook.target).toBe(`http://127.0.0.1:${port}/…hook`);
  });
});

describe('webhook URLs are credentials', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await startTestApp({ config: { outboxRetryBaseMs: 60_000 } });
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver.stop();
    await t.close();
  });

  it('answers and the audit log show scheme://host/… and the last four characters; a hint sent back keeps the URL', async () => {
    const secretPath = `/services/T${rnd(4)}/B${rnd(4)}/${rnd(12)}`;
    const url = `http://127.0.0.1:${receiver.port}${secretPath}`;
    const hint = `http://127.0.0.1:${receiver.port}/…${url.slice(-4)}`;
    const created = await admin(t).post('/contracts').send(contract(url));
    expectStatus(created, 201);
    expect(created.body.notify.webhookUrl).toBe(hint);
    expect((await admin(t).get(`/contracts/${created.body.id}`)).body.notify.webhookUrl).toBe(hint);

    // A client that reads, edits and writes notify back sends the hint: the URL stays.
    const edited = await admin(t)
      .patch(`/contracts/${created.body.id}`)
      .send({ notify: { emails: ['ops@example.com'], webhookUrl: hint } });
    expectStatus(edited, 200);
    const stored = await withClient(t.databaseUrl, (c) =>
      c.query(`SELECT notify_webhook_url_enc, notify_webhook_hint FROM contracts WHERE id = $1`, [created.body.id]),
    );
    expect(stored.rows[0].notify_webhook_hint).toBe(hint);
    expect(stored.rows[0].notify_webhook_url_enc).toMatch(/^v1\./);

    const s = { ...(await seed(t, { contract: contract(url) })) };
    await raiseAlert(t, s);
    const [got] = await receiver.waitFor(1);
    expect(got.body.text).toContain('unique handles');

    const audit = await admin(t).get('/audit-log?limit=100');
    const contractEntries = audit.body.entries.filter((e: { entity: string }) => e.entity === 'contract');
    expect(contractEntries.length).toBeGreaterThanOrEqual(3);
    for (const e of contractEntries) expect(e.changes.notify.webhookUrl).toBe(hint);
    const leaks = findLeaks(
      JSON.stringify([
        audit.body,
        (await admin(t).get('/contracts')).body,
        (await admin(t).get(`/contracts/${s.contractId}/alerts`)).body,
      ]),
      [{ name: 'webhook URL path', value: secretPath }],
    );
    expect(leaks).toEqual([]);
  });

  it('plain-text URLs from before this version are sealed at start-up (contracts, outbox, audit log)', async () => {
    const db = await createTestDatabase();
    const key = crypto.randomBytes(32);
    const first = await startTestApp({
      databaseUrl: db.url,
      sim: t.sim,
      config: { credentialsKey: key, outboxRetryBaseMs: 60_000 },
    });
    const url = `http://127.0.0.1:${receiver.port}/services/legacy/${rnd(12)}`;
    try {
      const s = await seed(first, { contract: contract(url) });
      await raiseAlert(first, s);
      expect((await webhookDelivery(first, s.contractId)).status).toBe('sent');
      await first.stop();
      // As an older version left them.
      await withClient(db.url, async (c) => {
        await c.query(`UPDATE contracts SET notify_webhook_url_enc = $1, notify_webhook_hint = NULL`, [url]);
        await c.query(`UPDATE outbox SET target = $1, target_enc = NULL WHERE channel = 'webhook'`, [url]);
        await c.query(
          `UPDATE audit_log SET changes = jsonb_set(changes, '{notify,webhookUrl}', to_jsonb($1::text)) WHERE entity = 'contract'`,
          [url],
        );
      });
      const again = await startTestApp({ databaseUrl: db.url, sim: t.sim, config: { credentialsKey: key } });
      try {
        const dump = await withClient(db.url, (c) =>
          c.query(
            `SELECT (SELECT json_agg(t) FROM contracts t)::text || (SELECT json_agg(o) FROM outbox o)::text || (SELECT json_agg(a) FROM audit_log a)::text AS all`,
          ),
        );
        expect(
          findLeaks(dump.rows[0].all, [{ name: 'legacy URL', value: url.slice(url.indexOf('/services')) }]),
        ).toEqual([]);
        expect((await admin(again).get(`/contracts/${s.contractId}`)).body.notify.webhookUrl).toBe(
          `http://127.0.0.1:${receiver.port}/…${url.slice(-4)}`,
        );
      } finally {
        await again.stop();
      }
    } finally {
      await first.stop();
      await db.drop();
    }
  });
});

describe('the bootstrap key (ADMIN_API_KEY)', () => {
  it('is stored as a salted scrypt; a revocation survives restarts (with a warning) until an admin restores it, audited', async () => {
    const db = await createTestDatabase();
    const warn = jest.spyOn(Logger.prototype, 'warn');
    let t = await startTestApp({ databaseUrl: db.url });
    try {
      const keys = await admin(t).get('/api-keys');
      const boot = keys.body.find((k: { bootstrap: boolean }) => k.bootstrap);
      expect(boot).toMatchObject({ role: 'admin', revokedAt: null, keyHint: `…${ADMIN_KEY.slice(-4)}` });
      const row = await withClient(db.url, (c) => c.query(`SELECT key_hash FROM api_keys WHERE id = $1`, [boot.id]));
      expect(row.rows[0].key_hash).toMatch(/^scrypt\$/);

      const other = (await admin(t).post('/api-keys').send({ name: 'second admin', role: 'admin' })).body.key;
      expectStatus(await t.http().delete(`/api-keys/${boot.id}`).set('X-API-Key', other), 204);
      expect((await admin(t).get('/api-keys')).status).toBe(401);

      for (let restart = 0; restart < 2; restart++) {
        await t.stop();
        warn.mockClear();
        t = await startTestApp({ databaseUrl: db.url, sim: t.sim });
        expect((await admin(t).get('/api-keys')).status).toBe(401);
        expect(warn.mock.calls.map((c) => String(c[0]))).toContainEqual(
          expect.stringContaining(`ADMIN_API_KEY is revoked (API key ${boot.id}`),
        );
      }
      const audit = await t.http().get('/audit-log').set('X-API-Key', other);
      expect(
        audit.body.entries
          .filter((e: { entityId: string }) => e.entityId === boot.id)
          .map((e: { action: string }) => e.action),
      ).toEqual(['revoke']);

      // Only the bootstrap key comes back, only by an admin, and the audit log says who.
      const restoreOther = await t
        .http()
        .post(
          `/api-keys/${(await t.http().get('/api-keys').set('X-API-Key', other)).body.find((k: { name: string }) => k.name === 'second admin').id}/restore`,
        )
        .set('X-API-Key', other);
      expect(restoreOther.status).toBe(409);
      const restored = await t.http().post(`/api-keys/${boot.id}/restore`).set('X-API-Key', other);
      expectStatus(restored, 200);
      expect(restored.body).toMatchObject({ id: boot.id, revokedAt: null });
      expectStatus(await admin(t).get('/api-keys'), 200);
      const after = await admin(t).get('/audit-log');
      const otherId = (await admin(t).get('/api-keys')).body.find(
        (k: { name: string }) => k.name === 'second admin',
      ).id;
      expect(after.body.entries[0]).toMatchObject({
        action: 'restore',
        entity: 'api_key',
        entityId: boot.id,
        actorKeyId: otherId,
      });

      // A new ADMIN_API_KEY is a new key; the instance configured with it does not take the old one.
      await t.stop();
      const next = `hm_next_admin_key_${rnd(16)}`;
      t = await startTestApp({ databaseUrl: db.url, sim: t.sim, config: { adminApiKey: next } });
      expectStatus(await t.http().get('/api-keys').set('X-API-Key', next), 200);
      expect((await admin(t).get('/api-keys')).status).toBe(401);
    } finally {
      warn.mockRestore();
      await t.close();
      await db.drop();
    }
  });
});

describe('failed authentication limit (AUTH_FAILURE_LIMIT=5, one trusted proxy)', () => {
  let t: TestApp;
  let s: Awaited<ReturnType<typeof seed>>;
  let financeKey: string;
  let n = 0;
  /** A distinct client address behind the trusted proxy, per test. */
  const client = () => `203.0.113.${++n}`;

  beforeAll(async () => {
    t = await startTestApp({ config: { authFailureLimit: 5, trustProxyHops: 1 } });
    s = await seed(t);
    financeKey = (await admin(t).post('/api-keys').send({ name: 'finance', role: 'finance' })).body.key;
  });
  afterAll(() => t.close());

  const expect429 = (res: { status: number; body: { code: string }; headers: Record<string, string> }) => {
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 429, code: 'TOO_MANY_FAILED_ATTEMPTS' });
    const after = Number(res.headers['retry-after']);
    expect(after).toBeGreaterThanOrEqual(1);
    expect(after).toBeLessThanOrEqual(60);
  };

  it('API keys: five wrong keys are 401, then 429 with Retry-After, even for a valid key; other clients are unaffected', async () => {
    const ip = client();
    for (let i = 0; i < 5; i++) {
      const res = await t
        .http()
        .get('/contracts')
        .set('X-Forwarded-For', ip)
        .set('X-API-Key', `hm_${rnd(20)}`);
      expect(res.status).toBe(401);
    }
    expect429(
      await t
        .http()
        .get('/contracts')
        .set('X-Forwarded-For', ip)
        .set('X-API-Key', `hm_${rnd(20)}`),
    );
    expect429(await t.http().get('/contracts').set('X-Forwarded-For', ip).set('X-API-Key', financeKey));
    // The client's own say (entries left of the proxy's) does not make it someone else.
    expect429(
      await t.http().get('/contracts').set('X-Forwarded-For', `198.51.100.77, ${ip}`).set('X-API-Key', financeKey),
    );
    expectStatus(await t.http().get('/contracts').set('X-Forwarded-For', client()).set('X-API-Key', financeKey), 200);
  });

  it('requests that send no credentials are not guesses, and a wrong role is no failure', async () => {
    const ip = client();
    for (let i = 0; i < 8; i++) expect((await t.http().get('/contracts').set('X-Forwarded-For', ip)).status).toBe(401);
    for (let i = 0; i < 8; i++)
      expect(
        (
          await t
            .http()
            .post('/api-keys')
            .set('X-Forwarded-For', ip)
            .set('X-API-Key', financeKey)
            .send({ name: 'x', role: 'finance' })
        ).status,
      ).toBe(403);
    expectStatus(await t.http().get('/contracts').set('X-Forwarded-For', ip).set('X-API-Key', financeKey), 200);
  });

  it('drop-in OAuth signatures and bearer tokens', async () => {
    const ip = client();
    const oauth = (sig: string) =>
      `OAuth oauth_consumer_key="${s.consumerKey}", oauth_token="${s.handles[0].accessToken}", oauth_signature_method="HMAC-SHA1", ` +
      `oauth_timestamp="${Math.floor(Date.now() / 1000)}", oauth_nonce="${rnd(8)}", oauth_version="1.0", oauth_signature="${encodeURIComponent(sig)}"`;
    for (let i = 0; i < 5; i++) {
      const res = await t
        .http()
        .post('/insights/engagement/totals')
        .set('X-Forwarded-For', ip)
        .set('Authorization', oauth(crypto.randomBytes(20).toString('base64')))
        .send(totalsBody());
      expect(res.status).toBe(401);
    }
    expect429(
      await t
        .http()
        .post('/insights/engagement/totals')
        .set('X-Forwarded-For', ip)
        .set('Authorization', `Bearer ${s.bearerToken}`)
        .send(totalsBody()),
    );

    const other = client();
    for (let i = 0; i < 5; i++)
      expect(
        (
          await t
            .http()
            .post('/insights/engagement/totals')
            .set('X-Forwarded-For', other)
            .set('Authorization', `Bearer AAAA${rnd(24)}`)
            .send(totalsBody())
        ).status,
      ).toBe(401);
    expect429(
      await t
        .http()
        .post('/insights/engagement/totals')
        .set('X-Forwarded-For', other)
        .set('Authorization', `Bearer ${s.bearerToken}`)
        .send(totalsBody()),
    );
    // Nothing reached X from the refused attempts.
    expect(t.sim.received.filter((c) => c.auth === 'bearer')).toEqual([]);
  });

  it('dashboard sign-in', async () => {
    const ip = client();
    const signIn = (key: string) =>
      t
        .http()
        .post('/dashboard/login')
        .set('X-Forwarded-For', ip)
        .set('Sec-Fetch-Site', 'same-origin')
        .type('form')
        .send({ key });
    for (let i = 0; i < 5; i++) expect((await signIn(`hm_${rnd(20)}`)).status).toBe(401);
    const res = await signIn(financeKey);
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

describe('credential look-ups are bounded', () => {
  let t: TestApp;
  let s: Awaited<ReturnType<typeof seed>>;

  beforeAll(async () => {
    t = await startTestApp({ config: { authFailureLimit: 0 } });
    s = await seed(t);
  });
  afterAll(() => t.close());

  it('a malformed API key or consumer key is refused by its format, before any look-up; a well-formed unknown one is looked up', async () => {
    const keys = jest.spyOn(t.app.get(ApiKeysRepository), 'findActiveByHash');
    const apps = jest.spyOn(t.app.get(AppsRepository), 'findByConsumerKey');
    try {
      const long = 'k'.repeat(15_000);
      expect((await t.http().get('/contracts').set('X-API-Key', long)).status).toBe(401);
      const oauth = (consumerKey: string) =>
        `OAuth oauth_consumer_key="${consumerKey}", oauth_token="${s.handles[0].accessToken}", oauth_signature_method="HMAC-SHA1", ` +
        `oauth_timestamp="${Math.floor(Date.now() / 1000)}", oauth_nonce="${rnd(8)}", oauth_version="1.0", oauth_signature="abc%3D"`;
      expect(
        (await t.http().post('/insights/engagement/totals').set('Authorization', oauth(long)).send(totalsBody()))
          .status,
      ).toBe(401);
      expect(
        (
          await t
            .http()
            .post('/insights/engagement/totals')
            .set('Authorization', `Bearer ${'A'.repeat(5000)}`)
            .send(totalsBody())
        ).status,
      ).toBe(401);
      expect(keys).not.toHaveBeenCalled();
      expect(apps).not.toHaveBeenCalled();

      expect(
        (
          await t
            .http()
            .get('/contracts')
            .set('X-API-Key', `hm_${rnd(20)}`)
        ).status,
      ).toBe(401);
      expect(
        (
          await t
            .http()
            .post('/insights/engagement/totals')
            .set('Authorization', oauth(`ck_${rnd(6)}`))
            .send(totalsBody())
        ).status,
      ).toBe(401);
      expect(keys).toHaveBeenCalledTimes(1);
      expect(apps).toHaveBeenCalledTimes(1);
    } finally {
      keys.mockRestore();
      apps.mockRestore();
    }
  });

  it('an X-Handle no handle can have is not looked up either', async () => {
    const res = await t
      .http()
      .post('/insights/engagement/totals')
      .set('X-API-Key', s.clientKey)
      .set('X-Handle', `@${'a'.repeat(5000)}`)
      .send(totalsBody());
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 404, code: 'HANDLE_NOT_REGISTERED' });
  });
});

describe('countPolicy confirmed: a confirmation whose write was lost', () => {
  it('is recovered from the call log at the next start (answer unknown: X may have billed it); recent or attempted calls are left alone', async () => {
    const db = await createTestDatabase();
    let t = await startTestApp({ databaseUrl: db.url });
    try {
      const confirmed = await seed(t, { handles: 2, contract: { countPolicy: 'confirmed' } });
      const attempted = await seed(t, { contract: { countPolicy: 'attempted' } });
      const call = (s: typeof confirmed, i = 0) =>
        t
          .http()
          .post('/insights/engagement/totals')
          .set('X-API-Key', s.clientKey)
          .set('X-Handle', s.handles[i].userId)
          .send(totalsBody());
      expectStatus(await call(confirmed, 0), 200);
      expectStatus(await call(confirmed, 1), 200);
      expectStatus(await call(attempted), 200);
      await t.settle();
      const usage = async (s: typeof confirmed) => (await admin(t).get(`/contracts/${s.contractId}/usage`)).body;
      expect(await usage(confirmed)).toMatchObject({ uniqueHandles: 2, confirmedHandles: 2 });
      await t.stop();

      // As a crash left them: the calls still "sent", their handles' confirmation never written.
      // Handle 0's call is old enough to be settled; handle 1's could still be in flight elsewhere.
      await withClient(db.url, async (c) => {
        await c.query(
          `UPDATE calls SET outcome = 'sent', status = NULL, at = at - CASE WHEN user_id = $1 THEN interval '10 minutes' ELSE interval '0' END`,
          [confirmed.handles[0].userId],
        );
        await c.query(`UPDATE period_handles SET confirmed_at = NULL`);
        await c.query(`UPDATE period_counters SET confirmed_handles = 0`);
      });
      t = await startTestApp({ databaseUrl: db.url, sim: t.sim });
      // uniqueHandles follows the countPolicy: under `confirmed` it is the confirmed figure.
      expect(await usage(confirmed)).toMatchObject({ uniqueHandles: 1, confirmedHandles: 1 });
      expect((await usage(attempted)).confirmedHandles).toBe(0);
      const confirmedAt = await withClient(db.url, (c) =>
        c.query(`SELECT user_id::text, confirmed_at FROM period_handles WHERE contract_id = $1 ORDER BY user_id`, [
          confirmed.contractId,
        ]),
      );
      expect(Object.fromEntries(confirmedAt.rows.map((r) => [r.user_id, r.confirmed_at !== null]))).toEqual({
        [confirmed.handles[0].userId]: true,
        [confirmed.handles[1].userId]: false,
      });

      // Idempotent: another start changes nothing.
      await t.stop();
      t = await startTestApp({ databaseUrl: db.url, sim: t.sim });
      expect(await usage(confirmed)).toMatchObject({ uniqueHandles: 1, confirmedHandles: 1 });
    } finally {
      await t.close();
      await db.drop();
    }
  });
});
