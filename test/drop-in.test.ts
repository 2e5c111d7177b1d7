/**
 * Drop-in (docs/api.md "Drop-in: a client's own X credentials"): an existing Engagement API client
 * keeps its code and its X credentials and changes only its base URL. Signed here by the
 * oauth-1.0a package, as a Node client would, for handlemeter's URL.
 */
import * as crypto from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { NonceStore } from '../src/gateway/drop-in/nonce-store';
import { withClient } from './support/database';
import { expectStatus, seed, Seeded, SeededHandle, totalsBody } from './support/fixtures';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

const TOTALS = '/insights/engagement/totals';
const CREDENTIALS_REFUSED = 'Your account could not be authenticated. Reason: Could not authenticate you';

interface Consumer {
  consumerKey: string;
  consumerSecret: string;
}
interface Token {
  accessToken: string;
  accessTokenSecret: string;
}
interface SignOptions {
  timestamp?: number;
  nonce?: string;
}

/** What a Node client does today: oauth-1.0a with HMAC-SHA1, for the URL it is about to call. */
function sign(app: Consumer, token: Token, url: string, opts: SignOptions = {}): string {
  const oauth = new OAuth({
    consumer: { key: app.consumerKey, secret: app.consumerSecret },
    signature_method: 'HMAC-SHA1',
    hash_function: (base, key) => crypto.createHmac('sha1', key).update(base).digest('base64'),
  });
  if (opts.timestamp !== undefined) oauth.getTimeStamp = () => opts.timestamp!;
  if (opts.nonce !== undefined) oauth.getNonce = () => opts.nonce!;
  return oauth.toHeader(
    oauth.authorize({ url, method: 'POST' }, { key: token.accessToken, secret: token.accessTokenSecret }),
  ).Authorization;
}

const now = () => Math.floor(Date.now() / 1000);
const rnd = (n = 6) => crypto.randomBytes(n).toString('hex');
const sha256 = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest('hex');

describe('drop-in: a client signs with its own X credentials', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  beforeEach(() => t.sim.reset());

  /** POSTs to handlemeter at `path` (query included) with the given Authorization and headers. */
  const post = (
    app: TestApp,
    path: string,
    authorization: string | null,
    body: object = totalsBody(),
    headers: Record<string, string> = {},
  ) => {
    let r = app.http().post(path);
    if (authorization !== null) r = r.set('Authorization', authorization);
    for (const [k, v] of Object.entries(headers)) r = r.set(k, v);
    return r.send(body);
  };
  /** The client changed its base URL to handlemeter's and signs for it. */
  const dropIn = (s: Consumer, h: Token, body: object = totalsBody(), headers: Record<string, string> = {}) =>
    post(t, TOTALS, sign(s, h, t.url + TOTALS), body, headers);
  const usage = async (app: TestApp, contractId: string) => {
    await app.settle();
    return (await app.http().get(`/contracts/${contractId}/usage`).set('X-API-Key', ADMIN_KEY).expect(200)).body;
  };
  const callRows = async (app: TestApp, contractId: string) => {
    await app.settle();
    const r = await withClient(app.databaseUrl, (c) =>
      c.query(
        'SELECT endpoint, user_id, tweet_count, outcome, status, source FROM calls WHERE contract_id = $1 ORDER BY at',
        [contractId],
      ),
    );
    return r.rows;
  };
  const expectRefused = (res: { status: number; body: Record<string, unknown> }, reason: string) => {
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      statusCode: 401,
      code: 'UNAUTHENTICATED',
      message: expect.any(String),
      details: {},
      errors: [
        reason.startsWith('Your account') ? reason : `Your account could not be authenticated. Reason: ${reason}`,
      ],
    });
  };

  it("is a call like a managed one: X's answer, re-signed with the handle's tokens, logged and counted alike", async () => {
    const managed = await seed(t);
    const drop = await seed(t);
    const body = totalsBody(['impressions', 'engagements', 'favorites']);

    const viaKey = await post(t, TOTALS, null, body, {
      'X-API-Key': managed.clientKey,
      'X-Handle': `@${managed.handles[0].screenName}`,
    });
    const clientAuthorization = sign(drop, drop.handles[0], t.url + TOTALS);
    const viaSignature = await post(t, TOTALS, clientAuthorization, body);

    expect(viaKey.status).toBe(200);
    expect(viaSignature.status).toBe(200);
    expect(viaSignature.body).toEqual(viaKey.body);
    expect(viaSignature.headers['x-per-minute-limit']).toMatch(/^\d+$/);
    expect(viaSignature.headers['x-per-minute-remaining']).toMatch(/^\d+$/);

    // X got a request of its own, signed anew (its own nonce and signature) with the handle's tokens, and accepted it.
    expect(t.sim.received).toHaveLength(2);
    const atX = t.sim.received[1];
    expect(atX).toMatchObject({
      auth: 'oauth1',
      consumerKey: drop.consumerKey,
      userId: drop.handles[0].userId,
      status: 200,
      path: TOTALS,
    });
    expect(atX.headers.authorization).not.toBe(clientAuthorization);
    expect(atX.body).toEqual(body);

    const figures = (u: Record<string, unknown>) => ({
      uniqueHandles: u.uniqueHandles,
      attemptedHandles: u.attemptedHandles,
      confirmedHandles: u.confirmedHandles,
      remaining: u.remaining,
      calls: u.calls,
    });
    expect(figures(await usage(t, drop.contractId))).toEqual(figures(await usage(t, managed.contractId)));
    expect(figures(await usage(t, drop.contractId))).toEqual({
      uniqueHandles: 1,
      attemptedHandles: 1,
      confirmedHandles: 1,
      remaining: 499,
      calls: 1,
    });
    const rows = await callRows(t, drop.contractId);
    expect(rows).toEqual([
      {
        endpoint: 'totals',
        user_id: drop.handles[0].userId,
        tweet_count: 1,
        outcome: 'answered',
        status: 200,
        source: 'gateway',
      },
    ]);
    expect(rows).toEqual(
      (await callRows(t, managed.contractId)).map((r) => ({ ...r, user_id: drop.handles[0].userId })),
    );
  });

  it('works on /28hr and /historical too, and validates the body as for a managed call', async () => {
    const s = await seed(t);
    const h = s.handles[0];
    const tweet = totalsBody().tweet_ids;
    const hourly = {
      tweet_ids: tweet,
      engagement_types: ['impressions'],
      groupings: { g: { group_by: ['tweet.id', 'engagement.type'] } },
    };
    expect(
      (await post(t, '/insights/engagement/28hr', sign(s, h, `${t.url}/insights/engagement/28hr`), hourly)).status,
    ).toBe(200);
    const window = {
      start: new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 13) + ':00:00Z',
      end: new Date(Date.now() - 3_600_000).toISOString().slice(0, 13) + ':00:00Z',
    };
    expect(
      (
        await post(t, '/insights/engagement/historical', sign(s, h, `${t.url}/insights/engagement/historical`), {
          ...hourly,
          ...window,
        })
      ).status,
    ).toBe(200);
    const tooMany = await dropIn(s, h, totalsBody(['favorites'], 251));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.code).toBe('TOO_MANY_TWEET_IDS');
    expect(t.sim.received).toHaveLength(2);
    expect(await usage(t, s.contractId)).toMatchObject({ uniqueHandles: 1, calls: 2 });
  });

  it("the handle is the token's: X-Handle is not needed, may name it in any form, and naming another handle is 403", async () => {
    const s = await seed(t, { handles: 2 });
    const [mine, other] = s.handles;
    for (const ref of [`@${mine.screenName}`, mine.screenName.toUpperCase(), mine.userId]) {
      expect((await dropIn(s, mine, totalsBody(), { 'X-Handle': ref })).status).toBe(200);
    }
    for (const ref of [`@${other.screenName}`, other.userId, '@nobody_here']) {
      const res = await dropIn(s, mine, totalsBody(), { 'X-Handle': ref });
      expect({ ref, status: res.status, code: res.body.code }).toEqual({ ref, status: 403, code: 'FORBIDDEN' });
    }
    const otherApp = await seed(t);
    expect((await dropIn(s, mine, totalsBody(), { 'X-App-Id': otherApp.appId })).body).toMatchObject({
      statusCode: 403,
      code: 'FORBIDDEN',
    });
    expect(t.sim.received.map((r) => r.userId)).toEqual([mine.userId, mine.userId, mine.userId]);
    expect(await usage(t, s.contractId)).toMatchObject({ uniqueHandles: 1, calls: 3 });
  });

  it("refuses a wrong consumer secret, a wrong token secret, an unknown consumer key or token, and another app's token, all in the same words", async () => {
    const s = await seed(t);
    const otherApp = await seed(t);
    const h = s.handles[0];
    const url = t.url + TOTALS;
    const attempts = {
      'wrong consumer secret': sign({ ...s, consumerSecret: 'cs_wrong' }, h, url),
      'wrong token secret': sign(s, { ...h, accessTokenSecret: 'ats_wrong' }, url),
      'unknown consumer key': sign({ ...s, consumerKey: `ck_${rnd()}` }, h, url),
      'unknown token': sign(s, { ...h, accessToken: `${h.userId}-${rnd()}` }, url),
      "another app's handle's token": sign(s, otherApp.handles[0], url),
      "another app's consumer key": sign(otherApp, h, url),
      'a tampered signature': sign(s, h, url).replace(
        /oauth_signature="[^"]+"/,
        'oauth_signature="AAAAAAAAAAAAAAAAAAAAAAAAAAA%3D"',
      ),
      PLAINTEXT: sign(s, h, url).replace('HMAC-SHA1', 'PLAINTEXT'),
    };
    const messages = new Set<string>();
    for (const [what, authorization] of Object.entries(attempts)) {
      const res = await post(t, TOTALS, authorization);
      expect({ what, status: res.status }).toEqual({ what, status: 401 });
      expectRefused(res, CREDENTIALS_REFUSED);
      messages.add(res.body.message);
    }
    expect(messages.size).toBe(1);
    expect(t.sim.received).toHaveLength(0);
    expect(await callRows(t, s.contractId)).toEqual([]);
    expect(await callRows(t, otherApp.contractId)).toEqual([]);
  });

  it('a header whose key, token or nonce decodes to a NUL is 401, never a 500 (PostgreSQL text cannot hold one)', async () => {
    const s = await seed(t);
    const signed = sign(s, s.handles[0], t.url + TOTALS);
    for (const field of ['oauth_consumer_key', 'oauth_token', 'oauth_nonce']) {
      const res = await post(t, TOTALS, signed.replace(new RegExp(`${field}="[^"]*"`), `${field}="a%00b"`));
      expect({ field, status: res.status, code: res.body.code }).toEqual({
        field,
        status: 401,
        code: 'UNAUTHENTICATED',
      });
    }
    expect(t.sim.received).toHaveLength(0);
  });

  it('refuses a request signed for another URL: another path, host, port or scheme, or a different query', async () => {
    const s = await seed(t);
    const h = s.handles[0];
    const port = new URL(t.url).port;
    const signedFor = [
      `${t.url}/insights/engagement/28hr`,
      `http://localhost:${port}${TOTALS}`,
      `http://127.0.0.1:${Number(port) + 1}${TOTALS}`,
      `https://127.0.0.1:${port}${TOTALS}`,
      'https://data-api.x.com' + TOTALS,
      `${t.url}${TOTALS}?page=2`,
    ];
    for (const url of signedFor) {
      const res = await post(t, TOTALS, sign(s, h, url));
      expect({ url, status: res.status }).toEqual({ url, status: 401 });
      expectRefused(res, CREDENTIALS_REFUSED);
    }
    expect((await post(t, `${TOTALS}?page=3`, sign(s, h, `${t.url}${TOTALS}?page=2`))).status).toBe(401);
    expect(t.sim.received).toHaveLength(0);
  });

  it('includes the query string in the signature', async () => {
    const s = await seed(t);
    const path = `${TOTALS}?source=nightly%20job&tag=%21a*b~c&page=2`;
    const res = await post(t, path, sign(s, s.handles[0], t.url + path));
    expect(res.status).toBe(200);
    expect(t.sim.received).toEqual([expect.objectContaining({ auth: 'oauth1', path: TOTALS, status: 200 })]);
  });

  it('refuses a replayed request with 401: not sent to X, not counted', async () => {
    const s = await seed(t);
    const h = s.handles[0];
    const authorization = sign(s, h, t.url + TOTALS);
    expect((await post(t, TOTALS, authorization)).status).toBe(200);
    const replay = await post(t, TOTALS, authorization);
    expectRefused(replay, 'Nonce already used');
    // The same nonce signed again with another timestamp is still that nonce.
    const nonce = /oauth_nonce="([^"]+)"/.exec(authorization)![1];
    expectRefused(
      await post(t, TOTALS, sign(s, h, t.url + TOTALS, { nonce, timestamp: now() - 5 })),
      'Nonce already used',
    );

    expect(t.sim.received).toHaveLength(1);
    expect(await usage(t, s.contractId)).toMatchObject({ uniqueHandles: 1, calls: 1 });
    expect(await callRows(t, s.contractId)).toHaveLength(1);
  });

  it('lets exactly one of many concurrent copies of a request through', async () => {
    const s = await seed(t);
    const authorization = sign(s, s.handles[0], t.url + TOTALS);
    const res = await Promise.all(Array.from({ length: 12 }, () => post(t, TOTALS, authorization)));
    expect(res.map((r) => r.status).sort()).toEqual([200, ...Array(11).fill(401)]);
    expect(t.sim.received).toHaveLength(1);
    expect(await usage(t, s.contractId)).toMatchObject({ calls: 1 });
  });

  it('refuses a timestamp more than 5 minutes off, either way', async () => {
    const s = await seed(t);
    const h = s.handles[0];
    for (const timestamp of [now() - 6 * 60, now() + 6 * 60, 0]) {
      expectRefused(await post(t, TOTALS, sign(s, h, t.url + TOTALS, { timestamp })), 'Timestamp out of bounds');
    }
    expect(t.sim.received).toHaveLength(0);
    expect((await post(t, TOTALS, sign(s, h, t.url + TOTALS, { timestamp: now() - 4 * 60 }))).status).toBe(200);
    expect((await post(t, TOTALS, sign(s, h, t.url + TOTALS, { timestamp: now() + 4 * 60 }))).status).toBe(200);
  });

  it('verifies keys, secrets and tokens full of characters that need percent-encoding, spaces and non-ASCII', async () => {
    const odd = "+/=%&~!*'()";
    const contract = await t
      .http()
      .post('/contracts')
      .set('X-API-Key', ADMIN_KEY)
      .send({ name: 'Odd', handleAllowance: 5, overagePrice: { amount: '1.00', currency: 'USD' } });
    expectStatus(contract, 201);
    // The contract allows printable ASCII without spaces in a consumer key; the secrets and tokens take anything.
    const app = { consumerKey: `ck${odd}${rnd(3)}`, consumerSecret: `cs ${odd} é☃😀 ${rnd(3)}` };
    const created = await t
      .http()
      .post(`/contracts/${contract.body.id}/apps`)
      .set('X-API-Key', ADMIN_KEY)
      .send({ name: 'odd', ...app });
    expectStatus(created, 201);
    t.sim.addApp(app);
    const userId = String(crypto.randomInt(1e9, 2e9));
    const handle: SeededHandle = {
      userId,
      screenName: `odd_${rnd(3)}`,
      accessToken: `${userId}-tok ${odd} ü😀 ${rnd(3)}`,
      accessTokenSecret: `ts ${odd} ß ${rnd(3)}`,
    };
    expectStatus(
      await t
        .http()
        .post(`/apps/${created.body.id}/handles`)
        .set('X-API-Key', ADMIN_KEY)
        .send({ ...handle, screenName: `@${handle.screenName}` }),
      201,
    );
    t.sim.addToken(handle);

    const path = `${TOTALS}?q=${encodeURIComponent(`a ${odd} é`)}`;
    const res = await post(t, path, sign(app, handle, t.url + path));
    expect(res.status).toBe(200);
    expect(t.sim.received).toEqual([
      expect.objectContaining({ auth: 'oauth1', consumerKey: app.consumerKey, userId, status: 200 }),
    ]);
    expect(await usage(t, contract.body.id)).toMatchObject({ uniqueHandles: 1, calls: 1 });
    expectRefused(
      await post(
        t,
        TOTALS,
        sign({ ...app, consumerSecret: app.consumerSecret.normalize('NFD') }, handle, t.url + TOTALS),
      ),
      CREDENTIALS_REFUSED,
    );
  });

  it("a deleted handle's token no longer verifies", async () => {
    const s = await seed(t, { handles: 2 });
    const h = s.handles[1];
    expect((await dropIn(s, h)).status).toBe(200);
    const list = await t.http().get(`/apps/${s.appId}/handles`).set('X-API-Key', ADMIN_KEY).expect(200);
    const id = list.body.find((x: { userId: string }) => x.userId === h.userId).id;
    await t.http().delete(`/apps/${s.appId}/handles/${id}`).set('X-API-Key', ADMIN_KEY).expect(204);
    expectRefused(await dropIn(s, h), CREDENTIALS_REFUSED);
  });

  it("keeps nonces by consumer key and the token's SHA-256, never the token; a nonce last seen long ago is fresh again", async () => {
    const s = await seed(t);
    const h = s.handles[0];
    const authorization = sign(s, h, t.url + TOTALS);
    const nonce = /oauth_nonce="([^"]+)"/.exec(authorization)![1];
    expect((await post(t, TOTALS, authorization)).status).toBe(200);
    const rows = await withClient(t.databaseUrl, (c) =>
      c.query('SELECT consumer_key, token_hash FROM oauth_nonces WHERE nonce = $1', [nonce]),
    );
    expect(rows.rows).toEqual([{ consumer_key: s.consumerKey, token_hash: sha256(h.accessToken) }]);

    await withClient(t.databaseUrl, (c) =>
      c.query(`UPDATE oauth_nonces SET seen_at = now() - interval '1 hour' WHERE nonce = $1`, [nonce]),
    );
    expect((await post(t, TOTALS, sign(s, h, t.url + TOTALS, { nonce }))).status).toBe(200);
  });

  it('forgets nonces older than the window and keeps the rest', async () => {
    const s = await seed(t);
    const h = s.handles[0];
    const nonces = [`old-${rnd()}`, `new-${rnd()}`];
    for (const nonce of nonces) expect((await post(t, TOTALS, sign(s, h, t.url + TOTALS, { nonce }))).status).toBe(200);
    await withClient(t.databaseUrl, (c) =>
      c.query(`UPDATE oauth_nonces SET seen_at = now() - interval '20 minutes' WHERE nonce = $1`, [nonces[0]]),
    );
    expect(await t.app.get(NonceStore).forgetExpired()).toBeGreaterThanOrEqual(1);
    const left = await withClient(t.databaseUrl, (c) =>
      c.query('SELECT nonce FROM oauth_nonces WHERE nonce = ANY($1)', [nonces]),
    );
    expect(left.rows).toEqual([{ nonce: nonces[1] }]);
  });

  describe('Authorization: Bearer', () => {
    it("an app's bearer token makes an app-only call, logged and never counted as a handle", async () => {
      const s = await seed(t);
      const res = await post(t, TOTALS, `Bearer ${s.bearerToken}`, totalsBody(['favorites', 'retweets']));
      expect(res.status).toBe(200);
      expect(t.sim.received).toEqual([
        expect.objectContaining({ auth: 'bearer', consumerKey: s.consumerKey, status: 200 }),
      ]);
      expect(await usage(t, s.contractId)).toMatchObject({ uniqueHandles: 0, calls: 1 });
      expect(await callRows(t, s.contractId)).toEqual([expect.objectContaining({ user_id: null, status: 200 })]);
    });

    it('needs user context for private metrics, and does not take X-Handle', async () => {
      const s = await seed(t);
      const priv = await post(t, TOTALS, `Bearer ${s.bearerToken}`, totalsBody(['impressions']));
      expect(priv.body).toMatchObject({ statusCode: 400, code: 'USER_CONTEXT_REQUIRED' });
      const named = await post(t, TOTALS, `Bearer ${s.bearerToken}`, totalsBody(['favorites']), {
        'X-Handle': s.handles[0].userId,
      });
      expect(named.body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
      expect(t.sim.received).toHaveLength(0);
    });

    it('refuses an unknown bearer token with 401 and X-style errors', async () => {
      const s = await seed(t);
      expectRefused(
        await post(t, TOTALS, `Bearer ${s.bearerToken}x`, totalsBody(['favorites'])),
        'Invalid or expired token',
      );
      expectRefused(await post(t, TOTALS, 'Bearer ', totalsBody(['favorites'])), 'Invalid or expired token');
      expect(t.sim.received).toHaveLength(0);
    });
  });

  describe('what stays as it was', () => {
    it('another scheme, or no credentials at all, is 401', async () => {
      const s: Seeded = await seed(t);
      expectRefused(
        await post(t, TOTALS, `Basic ${Buffer.from(`${s.consumerKey}:${s.consumerSecret}`).toString('base64')}`),
        'Unknown Authorization Type',
      );
      const none = await post(t, TOTALS, null);
      expect(none.body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
      expect(t.sim.received).toHaveLength(0);
    });

    it('an API key wins over an Authorization header, which is then not looked at', async () => {
      const s = await seed(t);
      const res = await post(t, TOTALS, 'OAuth nonsense', totalsBody(), {
        'X-API-Key': s.clientKey,
        'X-Handle': s.handles[0].userId,
      });
      expect(res.status).toBe(200);
    });

    it("a client's X credentials open only the gateway", async () => {
      const s = await seed(t);
      const url = `${t.url}/contracts/${s.contractId}/usage`;
      const res = await t
        .http()
        .get(`/contracts/${s.contractId}/usage`)
        .set('Authorization', sign(s, s.handles[0], url));
      expect(res.body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
      const bearer = await t
        .http()
        .get(`/contracts/${s.contractId}/usage`)
        .set('Authorization', `Bearer ${s.bearerToken}`);
      expect(bearer.body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
    });
  });
});

describe('drop-in behind a proxy: PUBLIC_BASE_URL', () => {
  const PUBLIC = 'https://proxy.example.com';
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ config: { publicBaseUrl: PUBLIC } });
  });
  afterAll(() => t.close());

  it('verifies a signature for the public URL although the request arrives at 127.0.0.1, and only that one', async () => {
    const s = await seed(t);
    const h = s.handles[0];
    const viaProxy = await t
      .http()
      .post(TOTALS)
      .set('Authorization', sign(s, h, PUBLIC + TOTALS))
      .send(totalsBody());
    expect(viaProxy.status).toBe(200);
    expect(t.sim.received.at(-1)).toMatchObject({ auth: 'oauth1', userId: h.userId, status: 200 });

    const direct = await t
      .http()
      .post(TOTALS)
      .set('Authorization', sign(s, h, t.url + TOTALS))
      .send(totalsBody());
    expect(direct.status).toBe(401);
    const withQuery = `${TOTALS}?page=1`;
    expect(
      (
        await t
          .http()
          .post(withQuery)
          .set('Authorization', sign(s, h, PUBLIC + withQuery))
          .send(totalsBody())
      ).status,
    ).toBe(200);
  });

  it('without PUBLIC_BASE_URL, a signature for the proxy URL does not verify', async () => {
    const plain = await startTestApp();
    try {
      const s = await seed(plain);
      const res = await plain
        .http()
        .post(TOTALS)
        .set('Authorization', sign(s, s.handles[0], PUBLIC + TOTALS))
        .send(totalsBody());
      expect(res.status).toBe(401);
    } finally {
      await plain.close();
    }
  });
});

describe('drop-in on several instances: one nonce store', () => {
  const PUBLIC = 'https://handlemeter.example.com';
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    // Two instances behind one load balancer: same database, same credentials key, same public URL.
    const config = { publicBaseUrl: PUBLIC, credentialsKey: crypto.randomBytes(32) };
    a = await startTestApp({ config });
    b = await startTestApp({ sim: a.sim, databaseUrl: a.databaseUrl, config });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('a nonce used on instance A is refused on instance B', async () => {
    const s = await seed(a);
    const h = s.handles[0];
    const authorization = sign(s, h, PUBLIC + TOTALS);
    expect((await a.http().post(TOTALS).set('Authorization', authorization).send(totalsBody())).status).toBe(200);
    const replay = await b.http().post(TOTALS).set('Authorization', authorization).send(totalsBody());
    expect(replay.status).toBe(401);
    expect(replay.body.errors).toEqual(['Your account could not be authenticated. Reason: Nonce already used']);
    expect(
      (
        await b
          .http()
          .post(TOTALS)
          .set('Authorization', sign(s, h, PUBLIC + TOTALS))
          .send(totalsBody())
      ).status,
    ).toBe(200);
    expect(a.sim.received.filter((r) => r.userId === h.userId)).toHaveLength(2);
    await a.settle();
    await b.settle();
    const u = await a.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', ADMIN_KEY).expect(200);
    expect(u.body).toMatchObject({ uniqueHandles: 1, calls: 2 });
  });
});
