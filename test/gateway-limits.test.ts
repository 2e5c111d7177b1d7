/**
 * What keeps the gateway up and honest (docs/api.md, "The gateway"; issue 10): bounded input, refused before it costs
 * anything; reads that cannot hold up calls; a client that hung up is neither sent nor counted; an
 * unreachable X is uncounted before its 502; the metering headers on every user-context answer.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { withClient } from './support/database';
import { expectStatus, seed, Seeded, totalsBody } from './support/fixtures';
import { ADMIN_KEY, startTestApp, startTestAppWithUnreachableX, TestApp } from './support/test-app';

const TOTALS = '/insights/engagement/totals';
const MiB = 1024 * 1024;

/** A request with a Content-Length of `declared` bytes of which only the headers and `sent` bytes are written; resolves with the answer. */
function partialPost(
  url: string,
  path: string,
  headers: Record<string, string>,
  declared: number,
  sent = 0,
): Promise<{ status: number; body: string; ms: number }> {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: hostname, port, path, method: 'POST', headers: { ...headers, 'content-length': String(declared) } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          resolve({ status: res.statusCode!, body, ms: Date.now() - started });
          req.destroy();
        });
      },
    );
    req.on('error', (e) => reject(e));
    req.flushHeaders();
    if (sent) req.write(Buffer.alloc(sent, 0x20));
  });
}

/** GET /health while something else goes on: how long it took, in ms (it must answer 200). */
async function healthMs(t: TestApp): Promise<number> {
  const started = Date.now();
  await t.http().get('/health').expect(200);
  return Date.now() - started;
}

describe('gateway limits', () => {
  let t: TestApp;
  let s: Seeded;
  const call = (key = s.clientKey) => t.http().post(TOTALS).set('X-API-Key', key).set('X-Handle', s.handles[0].userId);
  const callsOf = (contractId: string) =>
    withClient(t.databaseUrl, (c) =>
      c.query('SELECT outcome, user_id::text FROM calls WHERE contract_id = $1', [contractId]),
    ).then((r) => r.rows);

  beforeAll(async () => {
    t = await startTestApp();
    s = await seed(t, { handles: 3 });
  });
  afterAll(() => t.close());

  describe('bodies over their limit: 413, refused without reading past it', () => {
    it('64 KiB on the gateway: just under is read and judged, just over is 413 and reaches nothing', async () => {
      const pad = (n: number) => ({ ...totalsBody(), padding: 'x'.repeat(n) });
      const under = await call().send(pad(60 * 1024));
      expect(under.status).toBe(400);
      expect(under.body.details.fields).toHaveProperty('padding');
      const over = await call().send(pad(64 * 1024));
      expect(over.status).toBe(413);
      expect(over.body).toMatchObject({
        statusCode: 413,
        code: 'PAYLOAD_TOO_LARGE',
        message: expect.stringMatching(/64 KiB/),
      });
      expect(t.sim.received).toHaveLength(0);
    });

    it('1 MiB elsewhere', async () => {
      const res = await t
        .http()
        .post('/contracts')
        .set('X-API-Key', ADMIN_KEY)
        .send({ name: 'x'.repeat(MiB) });
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('a declared 20 MB body is answered at once, before it is sent, on the gateway (with or without a key) and on the import without a key; /health answers meanwhile', async () => {
      const json = { 'content-type': 'application/json' };
      const answers = await Promise.all([
        partialPost(t.url, TOTALS, { ...json, 'x-api-key': s.clientKey, 'x-handle': s.handles[0].userId }, 20 * MiB),
        partialPost(t.url, TOTALS, json, 20 * MiB),
        partialPost(t.url, `/contracts/${s.contractId}/usage/import`, json, 20 * MiB),
        partialPost(
          t.url,
          `/contracts/${s.contractId}/usage/import`,
          { 'content-type': 'text/csv', 'x-api-key': s.clientKey },
          20 * MiB,
        ),
        partialPost(t.url, `/contracts/${s.contractId}/usage/import`, { ...json, 'x-api-key': ADMIN_KEY }, 21 * MiB),
      ]);
      expect(answers.map((a) => [a.status, JSON.parse(a.body).code])).toEqual([
        [413, 'PAYLOAD_TOO_LARGE'],
        [413, 'PAYLOAD_TOO_LARGE'],
        // The import reads its body only once the key is checked: no key, 401; a client key, 403.
        [401, 'UNAUTHENTICATED'],
        [403, 'FORBIDDEN'],
        // With an admin key, 20 MiB is its limit.
        [413, 'PAYLOAD_TOO_LARGE'],
      ]);
      // Generous: the point is that it answers, on a machine the other suites share.
      expect(await healthMs(t)).toBeLessThan(2000);
    });

    it('20 MB actually sent to the gateway, with a key and without, while /health keeps answering', async () => {
      const big = Buffer.alloc(20 * MiB, 0x20);
      const sending = [
        t
          .http()
          .post(TOTALS)
          .set('X-API-Key', s.clientKey)
          .set('Content-Type', 'application/json')
          .send(big.toString())
          .then(
            (r) => r.status,
            () => 'reset',
          ),
        t
          .http()
          .post(TOTALS)
          .set('Content-Type', 'application/json')
          .send(big.toString())
          .then(
            (r) => r.status,
            () => 'reset',
          ),
      ];
      const health: number[] = [];
      for (let i = 0; i < 5; i++) health.push(await healthMs(t));
      // The server answers 413 and closes: the client sees the answer or, still writing, a reset.
      for (const r of await Promise.all(sending)) expect([413, 'reset']).toContain(r);
      // Generous (the suites share two cores with others): it answers, it is not queued behind 40 MB.
      expect(Math.max(...health)).toBeLessThan(5000);
    });
  });

  describe('lists refused by their length, answers that stay small', () => {
    it('20,000 bad engagement_types: refused by the count alone, in a small answer', async () => {
      const res = await call().send({ ...totalsBody(), engagement_types: Array(20_000).fill(1) });
      expect(res.status).toBe(400);
      expect(res.body.details.fields).toEqual({
        engagement_types: expect.stringMatching(/lists 20000 metrics, but \/totals has only 7/),
      });
      expect(res.text.length).toBeLessThan(2000);
    });

    it('20,000 tweet IDs: TOO_MANY_TWEET_IDS', async () => {
      const res = await call().send({ ...totalsBody(), tweet_ids: Array(20_000).fill(1) });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'TOO_MANY_TWEET_IDS', details: { count: 20_000, max: 250 } });
    });

    it('thousands of problems: 20 listed, details.total counts them all', async () => {
      const body: Record<string, unknown> = { ...totalsBody() };
      for (let i = 0; i < 3000; i++) body[`k${i}`] = 1;
      const res = await call().send(body);
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.details.fields)).toHaveLength(20);
      expect(res.body.details.total).toBe(3000);
      expect(res.body.message).toMatch(/3000 problems.*the first 20/);
      expect(res.text.length).toBeLessThan(4000);
    });
  });

  it('sends no X-Powered-By, and answers other methods on the gateway paths with 405 and Allow: POST', async () => {
    const ok = await call().send(totalsBody());
    expect(ok.status).toBe(200);
    expect(ok.headers['x-powered-by']).toBeUndefined();
    for (const res of [
      await t.http().get(TOTALS).set('X-API-Key', s.clientKey),
      await t.http().delete('/insights/engagement/28hr'),
    ]) {
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('POST');
      expect(res.body).toMatchObject({ statusCode: 405, code: 'METHOD_NOT_ALLOWED' });
    }
  });

  it('carries the metering headers on every user-context answer: new handle, the count after it, the allowance left', async () => {
    const mine = await seed(t, { handles: 2, contract: { handleAllowance: 1 } });
    const send = (userId: string) =>
      t.http().post(TOTALS).set('X-API-Key', mine.clientKey).set('X-Handle', userId).send(totalsBody());
    const metering = (r: { headers: Record<string, string> }) => [
      r.headers['x-handlemeter-handle-new'],
      r.headers['x-handlemeter-unique-handles'],
      r.headers['x-handlemeter-allowance-remaining'],
    ];
    expect(metering(await send(mine.handles[0].userId))).toEqual(['true', '1', '0']);
    expect(metering(await send(mine.handles[0].userId))).toEqual(['false', '1', '0']);
    // Over the allowance (enforcement `track`): still sent, and the remaining never goes below 0.
    expect(metering(await send(mine.handles[1].userId))).toEqual(['true', '2', '0']);
    // X's own refusal is X's answer too: it carries them.
    t.sim.behaviour = { mode: 'normal', delayMs: 0, forceStatus: 429 };
    try {
      const refused = await send(mine.handles[1].userId);
      expect(refused.status).toBe(429);
      expect(metering(refused)).toEqual(['false', '2', '0']);
    } finally {
      t.sim.behaviour = { mode: 'normal', delayMs: 0 };
    }
    // App-only: no handle, nothing to meter.
    const appOnly = await t
      .http()
      .post(TOTALS)
      .set('X-API-Key', mine.clientKey)
      .send(totalsBody(['favorites']));
    expect(appOnly.status).toBe(200);
    expect(metering(appOnly)).toEqual([undefined, undefined, undefined]);
  });

  it('under countPolicy confirmed, a handle is new with its first 2xx', async () => {
    const mine = await seed(t, { handles: 1, contract: { handleAllowance: 5, countPolicy: 'confirmed' } });
    const send = () =>
      t.http().post(TOTALS).set('X-API-Key', mine.clientKey).set('X-Handle', mine.handles[0].userId).send(totalsBody());
    const metering = (r: { headers: Record<string, string> }) => [
      r.headers['x-handlemeter-handle-new'],
      r.headers['x-handlemeter-unique-handles'],
      r.headers['x-handlemeter-allowance-remaining'],
    ];
    t.sim.behaviour = { mode: 'normal', delayMs: 0, forceStatus: 503 };
    try {
      expect(metering(await send())).toEqual(['false', '0', '5']);
    } finally {
      t.sim.behaviour = { mode: 'normal', delayMs: 0 };
    }
    expect(metering(await send())).toEqual(['true', '1', '4']);
    expect(metering(await send())).toEqual(['false', '1', '4']);
  });

  it('a client that hangs up before its call has left: not sent, not logged, not counted', async () => {
    const mine = await seed(t, { handles: 2 });
    // The period's counter row held locked, so that the call's write-ahead waits on it while the client goes away.
    const pg = new Client({ connectionString: t.databaseUrl });
    await pg.connect();
    try {
      // The first call creates the period's counter row; a second handle's write-ahead then has to lock it.
      const first = await t
        .http()
        .post(TOTALS)
        .set('X-API-Key', mine.clientKey)
        .set('X-Handle', mine.handles[0].userId)
        .send(totalsBody());
      expect(first.status).toBe(200);
      await t.settle();
      t.sim.reset();
      await pg.query('BEGIN');
      await pg.query('SELECT 1 FROM period_counters WHERE contract_id = $1 FOR UPDATE', [mine.contractId]);
      const { hostname, port } = new URL(t.url);
      const body = JSON.stringify(totalsBody());
      const socket = net.connect(Number(port), hostname);
      await new Promise((r) => socket.once('connect', r));
      socket.write(
        `POST ${TOTALS} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nX-API-Key: ${mine.clientKey}\r\nX-Handle: ${mine.handles[1].userId}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      // The call is waiting for the lock: wait until its write-ahead is in, then hang up.
      await new Promise((r) => setTimeout(r, 300));
      socket.destroy();
      await new Promise((r) => setTimeout(r, 100));
      await pg.query('COMMIT');
    } finally {
      await pg.end();
    }
    await t.settle();
    expect(t.sim.received).toHaveLength(0);
    expect(await callsOf(mine.contractId)).toEqual([{ outcome: 'answered', user_id: mine.handles[0].userId }]);
    const usage = await t.http().get(`/contracts/${mine.contractId}/usage`).set('X-API-Key', ADMIN_KEY).expect(200);
    expect(usage.body).toMatchObject({ uniqueHandles: 1, calls: 1 });
  });

  it('a storm of slow reads holding every read connection: gateway calls still go through', async () => {
    const mine = await seed(t, { handles: 4 });
    // Warm the caches the first call fills (key, app, handles, contract).
    for (const h of mine.handles)
      expectStatus(
        await t.http().post(TOTALS).set('X-API-Key', mine.clientKey).set('X-Handle', h.userId).send(totalsBody()),
        200,
      );
    const ds = t.app.get(DataSource);
    const storm = Array.from({ length: 40 }, () => ds.query('SELECT pg_sleep(5)').catch(() => 'failed'));
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const answers = await Promise.all(
      mine.handles.flatMap((h) =>
        [0, 1, 2].map(() =>
          t.http().post(TOTALS).set('X-API-Key', mine.clientKey).set('X-Handle', h.userId).send(totalsBody()),
        ),
      ),
    );
    const tookMs = Date.now() - started;
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    // The reads hold their connections 5 s and queue behind each other: the calls did not wait for them.
    expect(tookMs).toBeLessThan(4000);
    await Promise.all(storm);
  });
});

describe('gateway limits: X unreachable', () => {
  let t: TestApp;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ t, close } = await startTestAppWithUnreachableX());
  });
  afterAll(() => close());

  it('answers 502 only once the call is uncounted: a usage read right after it does not count the handle', async () => {
    const s = await seed(t, { handles: 5 });
    for (const h of s.handles) {
      const res = await t
        .http()
        .post(TOTALS)
        .set('X-API-Key', s.clientKey)
        .set('X-Handle', h.userId)
        .send(totalsBody());
      expect(res.body).toMatchObject({ statusCode: 502, code: 'UPSTREAM_UNREACHABLE' });
      expect(res.headers['x-handlemeter-handle-new']).toBeUndefined();
      // No settle(): the answer itself must come after the uncount.
      const usage = await t.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', ADMIN_KEY).expect(200);
      expect(usage.body.uniqueHandles).toBe(0);
    }
  });
});
