/**
 * Structured logs (issue #7): with LOG_FORMAT=json every line the service prints is one JSON
 * object (time, level, context, msg); every request gets one access line (method, path without
 * its query string, status, duration, request id, who); a line written while serving a request
 * carries that request's id; and no secret that went through the service (API keys, an X app's
 * consumer secret and bearer token, access tokens and their secrets, the OAuth header that
 * carries them) ever reaches the log in any form.
 *
 * The real service (`node dist/src/main.js`) as a child process; its stdout and stderr are the log.
 */
import * as crypto from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { XSimulator } from '../src/dev/x-simulator';
import { createTestDatabase, withClient } from './support/database';
import { expectStatus, seed, Seeded, totalsBody } from './support/fixtures';
import { findLeaks, Secret } from './support/leaks';
import { ServiceProcess } from './support/service-process';

const TOTALS = '/insights/engagement/totals';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Sent {
  what: string;
  requestId: string;
  status: number;
  path: string;
}

describe('logs', () => {
  let sim: XSimulator;
  let db: { url: string; drop: () => Promise<void> };
  let svc: ServiceProcess;
  let s: Seeded;
  const sent: Sent[] = [];
  const secrets: Secret[] = [];
  let lines: Record<string, unknown>[];
  let raw: string;

  /** Sends a request, remembering its X-Request-Id and status for the checks below. */
  async function send(
    what: string,
    method: 'get' | 'post',
    path: string,
    headers: Record<string, string>,
    body?: object,
  ) {
    let r = svc.http()[method](path);
    for (const [k, v] of Object.entries(headers)) r = r.set(k, v);
    const res = await (body ? r.send(body) : r);
    sent.push({ what, requestId: res.headers['x-request-id'], status: res.status, path: path.split('?')[0] });
    return res;
  }

  beforeAll(async () => {
    sim = await XSimulator.start();
    db = await createTestDatabase();
    svc = await ServiceProcess.start({
      databaseUrl: db.url,
      engagementApiBaseUrl: sim.url,
      env: { LOG_FORMAT: 'json', LOG_LEVEL: 'verbose' },
    });
    s = await seed({ http: () => svc.http(), sim }, { handles: 2 });
    const finance = await svc
      .http()
      .post('/api-keys')
      .set('X-API-Key', svc.adminKey)
      .send({ name: 'finance', role: 'finance' });
    expectStatus(finance, 201);
    const [h1, h2] = s.handles;
    const queryMarker = `qs_${crypto.randomBytes(12).toString('hex')}`;
    const unknownKey = `hm_${crypto.randomBytes(24).toString('base64url')}`;
    const unknownBearer = `AAAA${crypto.randomBytes(24).toString('hex')}`;
    secrets.push(
      { name: 'admin key', value: svc.adminKey },
      { name: 'client key', value: s.clientKey },
      { name: 'finance key', value: finance.body.key },
      { name: 'consumer secret', value: s.consumerSecret },
      { name: 'bearer token', value: s.bearerToken },
      ...s.handles.flatMap((h, i) => [
        { name: `access token ${i}`, value: h.accessToken },
        { name: `access token secret ${i}`, value: h.accessTokenSecret },
      ]),
      { name: 'unknown API key', value: unknownKey },
      { name: 'unknown bearer token', value: unknownBearer },
      { name: 'query string', value: queryMarker },
      { name: 'database password', value: decodeURIComponent(new URL(db.url).password) },
    );

    const client = { 'X-API-Key': s.clientKey, 'Content-Type': 'application/json' };
    await send(
      'client key call',
      'post',
      `${TOTALS}?marker=${queryMarker}`,
      { ...client, 'X-Handle': h1.userId },
      totalsBody(),
    );
    await send('app-only call', 'post', TOTALS, client, totalsBody(['favorites']));
    const oauth = new OAuth({
      consumer: { key: s.consumerKey, secret: s.consumerSecret },
      signature_method: 'HMAC-SHA1',
      hash_function: (base, key) => crypto.createHmac('sha1', key).update(base).digest('base64'),
    });
    const signed = oauth.toHeader(
      oauth.authorize(
        { url: `${svc.url}${TOTALS}`, method: 'POST' },
        { key: h2.accessToken, secret: h2.accessTokenSecret },
      ),
    );
    await send('drop-in OAuth call', 'post', TOTALS, { ...signed, 'Content-Type': 'application/json' }, totalsBody());
    await send(
      'drop-in bearer call',
      'post',
      TOTALS,
      { Authorization: `Bearer ${s.bearerToken}`, 'Content-Type': 'application/json' },
      totalsBody(['favorites']),
    );
    await send('unknown key', 'get', `/contracts?key=${queryMarker}`, { 'X-API-Key': unknownKey });
    await send(
      'unknown bearer',
      'post',
      TOTALS,
      { Authorization: `Bearer ${unknownBearer}`, 'Content-Type': 'application/json' },
      totalsBody(),
    );
    await send('metrics scrape', 'get', '/metrics', { Authorization: `Bearer ${finance.body.key}` });
    // The ledger cannot write the call (a constraint no row meets): its error line must name this request.
    await withClient(db.url, (c) =>
      c.query('ALTER TABLE calls ADD CONSTRAINT refuse_all CHECK (tweet_count < 0) NOT VALID'),
    );
    await send('ledger failure', 'post', TOTALS, { ...client, 'X-Handle': h1.userId }, totalsBody());
    await withClient(db.url, (c) => c.query('ALTER TABLE calls DROP CONSTRAINT refuse_all'));

    // Stopping flushes everything the service had to say, shutdown lines included.
    expect(await svc.stop()).toEqual({ code: 0, signal: null });
    raw = svc.output.join('\n');
    lines = svc.output.map((l) => JSON.parse(l.replace(/^(out|err): /, '')));
  });
  afterAll(async () => {
    await svc?.close();
    await sim?.stop();
    await db?.drop();
  });

  it('writes one JSON object per line, each with time, level, context and msg', () => {
    expect(svc.output.every((l) => l.startsWith('out: '))).toBe(true);
    for (const line of lines) {
      expect(typeof line.msg).toBe('string');
      expect(new Date(String(line.time)).toISOString()).toBe(line.time);
      expect(['fatal', 'error', 'warn', 'info', 'debug', 'verbose']).toContain(line.level);
      expect(typeof line.context).toBe('string');
    }
    expect(lines.some((l) => l.context === 'Shutdown' && /shut down cleanly/.test(String(l.msg)))).toBe(true);
  });

  it('writes one access line per request: method, path without the query, status, duration, request id, who', () => {
    const key = expect.stringMatching(UUID);
    const who: Record<string, object> = {
      'client key call': { auth: 'api-key', keyId: key, appId: s.appId, callId: expect.stringMatching(UUID) },
      'app-only call': { auth: 'api-key', keyId: key, appId: s.appId, callId: expect.stringMatching(UUID) },
      'drop-in OAuth call': { auth: 'oauth', appId: s.appId, callId: expect.stringMatching(UUID) },
      'drop-in bearer call': { auth: 'bearer', appId: s.appId, callId: expect.stringMatching(UUID) },
      'unknown key': {},
      'unknown bearer': {},
      'metrics scrape': { auth: 'api-key', keyId: key },
      'ledger failure': { auth: 'api-key', keyId: key, appId: s.appId, callId: expect.stringMatching(UUID) },
    };
    for (const r of sent) {
      const access = lines.filter((l) => l.context === 'Http' && l.requestId === r.requestId);
      expect(access).toHaveLength(1);
      const { time, level, context, msg, requestId, method, path, status, durationMs, ...rest } = access[0];
      expect({ path, status }).toEqual({ path: r.path, status: r.status });
      expect(typeof durationMs).toBe('number');
      expect(msg).toBe(`${String(method)} ${String(path)} ${String(status)} ${String(durationMs)}ms`);
      expect([time, level, context, requestId]).toEqual([
        expect.any(String),
        r.status >= 500 ? 'warn' : 'info',
        'Http',
        r.requestId,
      ]);
      // Exactly these fields and no others: nothing else about the request is logged.
      expect(rest).toEqual(who[r.what]);
    }
    expect(sent.map((r) => r.status)).toEqual([200, 200, 200, 200, 401, 401, 200, 503]);
  });

  it('stamps a line written while serving a request with its request id', () => {
    const failed = sent.find((r) => r.what === 'ledger failure')!;
    const ledger = lines.filter((l) => l.context === 'Ledger');
    expect(ledger).toEqual([
      expect.objectContaining({
        level: 'error',
        requestId: failed.requestId,
        msg: expect.stringMatching(/write-ahead failed/),
      }),
    ]);
  });

  it('never shows a secret, a query string or a credential header', () => {
    expect(findLeaks(raw, secrets)).toEqual([]);
    expect(raw).not.toMatch(/oauth_signature|oauth_token|x-api-key|authorization/i);
  });
});
