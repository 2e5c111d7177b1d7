import type { Browser } from 'playwright-core';
import { launchChromium, signInWithKey } from './support/browser';
import { withClient } from './support/database';
import { seed, Seeded, totalsBody } from './support/fixtures';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

/** Connecting a handle through X's sign-in (the simulator's), in a real browser and by PIN. */
describe('connect a handle (3-legged OAuth 1.0a)', () => {
  let t: TestApp;
  let browser: Browser;
  let s: Seeded;
  const admin = { 'X-API-Key': ADMIN_KEY };

  beforeAll(async () => {
    t = await startTestApp();
    browser = await launchChromium();
    s = await seed(t, { handles: 0 });
  });
  afterAll(async () => {
    await browser?.close();
    await t.close();
  });

  const connect = (body: object = {}) => t.http().post(`/apps/${s.appId}/handles/connect`).set(admin).send(body);
  const handles = async () =>
    (await t.http().get(`/apps/${s.appId}/handles`).set(admin).expect(200)).body as {
      id: string;
      userId: string;
      screenName: string;
      tokenHint: string;
    }[];
  const callAs = (handle: string) =>
    t
      .http()
      .post('/insights/engagement/totals')
      .set('X-API-Key', s.clientKey)
      .set('X-Handle', handle)
      .send(totalsBody());
  const tokenOf = (authorizeUrl: string) => new URL(authorizeUrl).searchParams.get('oauth_token')!;

  /** The owner's side on the simulator without a browser: approve, and read where X sends them (or the PIN). */
  async function approve(authorizeUrl: string): Promise<{ location: string | null; pin: string | null }> {
    const pageRes = await fetch(authorizeUrl);
    expect(pageRes.status).toBe(200);
    const res = await fetch(`${t.sim.url}/oauth/authorize`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `oauth_token=${encodeURIComponent(tokenOf(authorizeUrl))}&decision=allow`,
      redirect: 'manual',
    });
    return { location: res.headers.get('location'), pin: /id="oauth_pin">(\d+)</.exec(await res.text())?.[1] ?? null };
  }

  it('in a browser: the owner opens the link, approves on X, lands on the callback page; the handle then calls the gateway', async () => {
    const started = await connect();
    expect(started.status).toBe(201);
    expect(started.body).toEqual({
      id: expect.any(String),
      appId: s.appId,
      authorizeUrl: expect.stringMatching(new RegExp(`^${t.sim.url}/oauth/authorize\\?oauth_token=`)),
      expiresAt: expect.any(String),
      callback: `${t.url}/oauth/callback`,
    });
    const ttl = Date.parse(started.body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000);
    // Pending, with its link; the request token is sealed at rest.
    const pending = (await t.http().get(`/apps/${s.appId}/handles/connect`).set(admin).expect(200)).body;
    expect(pending).toContainEqual(
      expect.objectContaining({ id: started.body.id, authorizeUrl: started.body.authorizeUrl }),
    );
    const token = tokenOf(started.body.authorizeUrl);
    const stored = await withClient(t.databaseUrl, (c) =>
      c.query('SELECT row_to_json(hc)::text AS row FROM handle_connections hc WHERE id = $1', [started.body.id]),
    );
    expect(stored.rows[0].row).not.toContain(token);

    t.sim.oauth.account = { userId: '7770001', screenName: 'owner_one' };
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && problems.push(m.text()));
    try {
      await page.goto(started.body.authorizeUrl);
      expect(await page.locator('#account').innerText()).toBe('@owner_one');
      await Promise.all([page.waitForURL(`${t.url}/oauth/callback?**`), page.click('#allow')]);
      expect(await page.locator('#connected').innerText()).toMatch(/@owner_one is now connected to analytics/);
      expect(await page.locator('#connected').getAttribute('data-user-id')).toBe('7770001');
      const landed = page.url();

      // The handle is registered as POST /apps/:id/handles would, and its token signs gateway calls X accepts.
      expect(await handles()).toContainEqual(expect.objectContaining({ userId: '7770001', screenName: 'owner_one' }));
      t.sim.reset();
      const res = await callAs('@owner_one');
      expect(res.status).toBe(200);
      expect(t.sim.received.map((c) => [c.auth, c.userId])).toEqual([['oauth1', '7770001']]);

      // The link is single use: the same callback again, in the browser and by API.
      const again = await page.goto(landed);
      expect(again!.status()).toBe(404);
      expect(await page.locator('#error').innerText()).toMatch(/unknown, expired .* or used already/);
      const api = await t.http().get(new URL(landed).pathname + new URL(landed).search);
      expect(api.status).toBe(404);
      expect(api.body.code).toBe('NOT_FOUND');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
    // Once used, the sealed request token is destroyed.
    const after = await withClient(t.databaseUrl, (c) =>
      c.query(
        'SELECT request_token_enc, request_token_secret_enc, outcome, used_at FROM handle_connections WHERE id = $1',
        [started.body.id],
      ),
    );
    expect(after.rows[0]).toMatchObject({
      request_token_enc: null,
      request_token_secret_enc: null,
      outcome: 'connected',
    });
    expect(
      (await t.http().get(`/apps/${s.appId}/handles/connect`).set(admin).expect(200)).body.map(
        (p: { id: string }) => p.id,
      ),
    ).not.toContain(started.body.id);
  });

  it('connecting a handle the app has already gives it new tokens, keeping the handle', async () => {
    t.sim.oauth.account = { userId: '7770002', screenName: 'owner_two' };
    const first = await connect().expect(201);
    const back1 = await approve(first.body.authorizeUrl);
    await t
      .http()
      .get(new URL(back1.location!).pathname + new URL(back1.location!).search)
      .set('Accept', 'text/html')
      .expect(200);
    const before = (await handles()).find((h) => h.userId === '7770002')!;

    t.sim.oauth.account = { userId: '7770002', screenName: 'owner_two_renamed' };
    const second = await connect().expect(201);
    const back2 = await approve(second.body.authorizeUrl);
    const page = await t
      .http()
      .get(new URL(back2.location!).pathname + new URL(back2.location!).search)
      .expect(200);
    expect(page.text).toContain('@owner_two_renamed is now connected');
    const now = (await handles()).filter((h) => h.userId === '7770002');
    expect(now).toHaveLength(1);
    expect(now[0]).toMatchObject({ id: before.id, screenName: 'owner_two_renamed' });
    expect(now[0].tokenHint).not.toBe(before.tokenHint);
    expect((await callAs('@owner_two_renamed')).status).toBe(200);
    // Audited as a create and then an update of the same handle, naming the secret fields only.
    const entries = (
      (await t.http().get('/audit-log?limit=1000').set(admin).expect(200)).body.entries as {
        entityId: string;
        action: string;
        changes: Record<string, unknown>;
      }[]
    ).filter((e) => e.entityId === before.id);
    const secrets = ['accessToken', 'accessTokenSecret'];
    const changes = (screenName: string) => ({
      appId: s.appId,
      userId: '7770002',
      screenName,
      via: 'connect',
      secrets,
    });
    expect(entries.map((e) => ({ action: e.action, changes: e.changes })).reverse()).toEqual([
      { action: 'create', changes: changes('owner_two') },
      { action: 'update', changes: changes('owner_two_renamed') },
    ]);
  });

  it('the PIN flow: the owner reads a PIN on X, the admin sends it; a PIN works once', async () => {
    t.sim.oauth.account = { userId: '7770003', screenName: 'owner_pin' };
    const started = await connect({ callback: 'oob' }).expect(201);
    expect(started.body.callback).toBe('oob');
    const { location, pin } = await approve(started.body.authorizeUrl);
    expect(location).toBeNull();
    expect(pin).toMatch(/^\d{7}$/);

    const res = await t.http().post(`/apps/${s.appId}/handles/connect/${started.body.id}/pin`).set(admin).send({ pin });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: expect.any(String), userId: '7770003', screenName: 'owner_pin' });
    expect((await callAs('7770003')).status).toBe(200);

    const reused = await t
      .http()
      .post(`/apps/${s.appId}/handles/connect/${started.body.id}/pin`)
      .set(admin)
      .send({ pin });
    expect(reused.status).toBe(404);
    expect(reused.body.code).toBe('NOT_FOUND');
    // Another app's path, an unknown id, a malformed PIN.
    const other = await seed(t, { handles: 0 });
    await t
      .http()
      .post(`/apps/${other.appId}/handles/connect/${started.body.id}/pin`)
      .set(admin)
      .send({ pin })
      .expect(404);
    await t
      .http()
      .post(`/apps/${s.appId}/handles/connect/00000000-0000-4000-8000-000000000000/pin`)
      .set(admin)
      .send({ pin })
      .expect(404);
    expect(
      (
        await t
          .http()
          .post(`/apps/${s.appId}/handles/connect/${started.body.id}/pin`)
          .set(admin)
          .send({ pin: 'no spaces!' })
      ).body.code,
    ).toBe('VALIDATION_FAILED');
    await t.http().post(`/apps/${s.appId}/handles/connect`).set('X-API-Key', s.clientKey).send({}).expect(403);
  });

  it('refuses an expired, forged or wrongly verified request token, and says what X said', async () => {
    // Expired: 15 minutes have passed.
    t.sim.oauth.account = { userId: '7770004', screenName: 'owner_late' };
    const late = await connect().expect(201);
    const back = await approve(late.body.authorizeUrl);
    await withClient(t.databaseUrl, (c) =>
      c.query(`UPDATE handle_connections SET expires_at = now() - interval '1 second' WHERE id = $1`, [late.body.id]),
    );
    const expired = await t.http().get(new URL(back.location!).pathname + new URL(back.location!).search);
    expect(expired.status).toBe(404);
    expect(expired.body.code).toBe('NOT_FOUND');
    expect((await handles()).map((h) => h.userId)).not.toContain('7770004');
    // Asking for the next link destroys the expired one's sealed token.
    await connect().expect(201);
    const row = await withClient(t.databaseUrl, (c) =>
      c.query('SELECT request_token_enc FROM handle_connections WHERE id = $1', [late.body.id]),
    );
    expect(row.rows[0].request_token_enc).toBeNull();

    // Forged: a request token handlemeter never asked for.
    const forged = await t
      .http()
      .get('/oauth/callback')
      .query({ oauth_token: 'forged-token-0123456789', oauth_verifier: 'whatever' });
    expect(forged.status).toBe(404);
    expect(forged.body.code).toBe('NOT_FOUND');
    const missing = await t.http().get('/oauth/callback');
    expect(missing.status).toBe(400);

    // A real token with a forged verifier: X refuses the exchange; its reason comes back, the link is spent.
    const real = await connect().expect(201);
    await approve(real.body.authorizeUrl);
    const wrong = await t
      .http()
      .get('/oauth/callback')
      .query({ oauth_token: tokenOf(real.body.authorizeUrl), oauth_verifier: 'not-the-verifier' });
    expect(wrong.status).toBe(502);
    expect(wrong.body).toMatchObject({
      code: 'UPSTREAM_UNREACHABLE',
      details: { step: 'access_token', status: 401, reason: expect.stringMatching(/oauth_verifier/) },
    });
    const spent = await t
      .http()
      .get('/oauth/callback')
      .query({ oauth_token: tokenOf(real.body.authorizeUrl), oauth_verifier: 'not-the-verifier' });
    expect(spent.status).toBe(404);

    // The owner declines on X: the page says so and nothing is registered.
    t.sim.oauth.account = { userId: '7770005', screenName: 'owner_no' };
    const declined = await connect().expect(201);
    const res = await fetch(`${t.sim.url}/oauth/authorize`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `oauth_token=${encodeURIComponent(tokenOf(declined.body.authorizeUrl))}&decision=cancel`,
      redirect: 'manual',
    });
    const loc = new URL(res.headers.get('location')!);
    const page = await t
      .http()
      .get(loc.pathname + loc.search)
      .expect(200);
    expect(page.text).toContain('declined');
    expect((await handles()).map((h) => h.userId)).not.toContain('7770005');
  });

  it('the dashboard lists pending connections: links for admins, "admin only" for finance', async () => {
    const started = await connect().expect(201);
    const financeKey = (await t.http().post('/api-keys').set(admin).send({ name: 'Fin', role: 'finance' }).expect(201))
      .body.key;
    for (const [key, role] of [
      [ADMIN_KEY, 'admin'],
      [financeKey, 'finance'],
    ]) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && problems.push(m.text()));
      try {
        expect(await signInWithKey(page, t.url, key)).toBe(303);
        await Promise.all([
          page.waitForURL(`${t.url}/dashboard/connections`),
          page.click('a[data-link="connections"]'),
        ]);
        const row = page.locator(`tr[data-connection="${started.body.id}"]`);
        expect(await row.innerText()).toContain('analytics');
        if (role === 'admin') {
          expect(await row.locator('a[data-authorize]').getAttribute('href')).toBe(started.body.authorizeUrl);
          // The link is the one the owner opens: X's approval page.
          await Promise.all([
            page.waitForURL(`${t.sim.url}/oauth/authorize?**`),
            row.locator('a[data-authorize]').click(),
          ]);
          expect(await page.locator('#allow').count()).toBe(1);
        } else {
          expect(await row.locator('a[data-authorize]').count()).toBe(0);
          expect(await row.innerText()).toContain('admin only');
        }
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    }
  });

  it('X refusing the request token (an app X does not know) is 502 with X’s reason; nothing is stored', async () => {
    const app = (
      await t
        .http()
        .post(`/contracts/${s.contractId}/apps`)
        .set(admin)
        .send({ name: 'unknown to X', consumerKey: `ck_unknown_${Date.now()}`, consumerSecret: 'cs_unknown_secret' })
        .expect(201)
    ).body;
    const res = await t.http().post(`/apps/${app.id}/handles/connect`).set(admin).send({});
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({
      code: 'UPSTREAM_UNREACHABLE',
      details: { step: 'request_token', status: 401, reason: expect.stringMatching(/Consumer key not found/) },
    });
    const rows = await withClient(t.databaseUrl, (c) =>
      c.query('SELECT count(*)::int AS n FROM handle_connections WHERE app_id = $1', [app.id]),
    );
    expect(rows.rows[0].n).toBe(0);
    await t.http().post('/apps/00000000-0000-4000-8000-000000000000/handles/connect').set(admin).send({}).expect(404);
  });
});
