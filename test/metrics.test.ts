/**
 * Prometheus metrics (issue #7): GET /metrics in the text format, for an admin or finance key
 * sent as X-API-Key or, for Prometheus, as `Authorization: Bearer <key>`. What an operator
 * graphs and alerts on: calls by endpoint, outcome and X's status class, X's latency, ledger
 * failures, and each contract's unique handles against its allowance in the open period.
 */
import { withClient } from './support/database';
import { expectStatus, seed, Seeded, totalsBody, callTotals } from './support/fixtures';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

/** The value of one sample, `name{labels} value`, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('metrics', () => {
  let t: TestApp;
  let s: Seeded;
  let financeKey: string;
  const period = new Date().toISOString().slice(0, 7);

  beforeAll(async () => {
    t = await startTestApp();
    s = await seed(t, { handles: 3, contract: { handleAllowance: 40 } });
    const key = await t
      .http()
      .post('/api-keys')
      .set('X-API-Key', ADMIN_KEY)
      .send({ name: 'prometheus', role: 'finance' });
    expectStatus(key, 201);
    financeKey = key.body.key;
  });
  afterAll(() => t.close());
  beforeEach(() => t.sim.reset());

  const call = (userId?: string) => {
    const r = t.http().post('/insights/engagement/totals').set('X-API-Key', s.clientKey);
    return (userId ? r.set('X-Handle', userId) : r).send(
      totalsBody(userId ? ['impressions', 'favorites'] : ['favorites']),
    );
  };
  const scrape = async () => {
    await t.settle();
    const res = await t.http().get('/metrics').set('Authorization', `Bearer ${financeKey}`);
    expectStatus(res, 200);
    return res.text;
  };

  it('takes an admin or finance key, as X-API-Key or as a bearer token, and refuses anything else', async () => {
    const viaHeader = await t.http().get('/metrics').set('X-API-Key', ADMIN_KEY);
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    expect((await t.http().get('/metrics').set('Authorization', `Bearer ${financeKey}`)).status).toBe(200);

    const none = await t.http().get('/metrics');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED', details: {} });
    expect((await t.http().get('/metrics').set('Authorization', 'Bearer hm_not_a_key_0123456789')).body.code).toBe(
      'UNAUTHENTICATED',
    );
    // An X app's bearer token is a gateway credential, not a key.
    expect((await t.http().get('/metrics').set('Authorization', `Bearer ${s.bearerToken}`)).status).toBe(401);
    const client = await t.http().get('/metrics').set('Authorization', `Bearer ${s.clientKey}`);
    expect(client.status).toBe(403);
    expect(client.body.code).toBe('FORBIDDEN');
  });

  it('counts calls by endpoint, outcome and status class, and times the answered ones', async () => {
    const before = await scrape();
    const count = (text: string, outcome: string, status_class: string) =>
      sample(text, 'handlemeter_gateway_calls_total', { endpoint: 'totals', outcome, status_class }) ?? 0;
    const latencyCount = (text: string) =>
      sample(text, 'handlemeter_upstream_latency_seconds_count', { endpoint: 'totals' }) ?? 0;

    expect((await call(s.handles[0].userId)).status).toBe(200);
    expect((await call()).status).toBe(200); // app-only: a call too
    t.sim.behaviour = { mode: 'normal', delayMs: 0, forceStatus: 429 };
    expect((await call(s.handles[0].userId)).status).toBe(429);
    t.sim.behaviour = { mode: 'destroy', delayMs: 0 };
    expect((await call(s.handles[0].userId)).status).toBe(502);

    const after = await scrape();
    expect(count(after, 'answered', '2xx') - count(before, 'answered', '2xx')).toBe(2);
    expect(count(after, 'answered', '4xx') - count(before, 'answered', '4xx')).toBe(1);
    expect(count(after, 'failed', 'none') - count(before, 'failed', 'none')).toBe(1);
    expect(latencyCount(after) - latencyCount(before)).toBe(3);
    // Refusals before the ledger are not calls.
    await t
      .http()
      .post('/insights/engagement/totals')
      .set('X-API-Key', s.clientKey)
      .set('X-Handle', 'nobody')
      .send(totalsBody())
      .expect(404);
    const refused = await scrape();
    expect(count(refused, 'answered', '4xx')).toBe(count(after, 'answered', '4xx'));
    expect(sample(refused, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it("reports each contract's open period: unique, attempted and confirmed handles, and the allowance", async () => {
    const other = await seed(t, { handles: 1, contract: { handleAllowance: 7, countPolicy: 'confirmed' } });
    for (const h of s.handles) expect((await call(h.userId)).status).toBe(200);
    // X refuses the other contract's call: attempted, not confirmed, so under `confirmed` not unique either.
    t.sim.behaviour = { mode: 'normal', delayMs: 0, forceStatus: 503 };
    await callTotals(t, other).expect(503);

    const text = await scrape();
    const mine = { contract_id: s.contractId, period };
    const theirs = { contract_id: other.contractId, period };
    expect(sample(text, 'handlemeter_unique_handles', mine)).toBe(3);
    expect(sample(text, 'handlemeter_attempted_handles', mine)).toBe(3);
    expect(sample(text, 'handlemeter_confirmed_handles', mine)).toBe(3);
    expect(sample(text, 'handlemeter_handle_allowance', mine)).toBe(40);
    expect(sample(text, 'handlemeter_unique_handles', theirs)).toBe(0);
    expect(sample(text, 'handlemeter_attempted_handles', theirs)).toBe(1);
    expect(sample(text, 'handlemeter_handle_allowance', theirs)).toBe(7);
    expect(sample(text, 'handlemeter_database_up')).toBe(1);

    // The figures are the ledger's, read at scrape time: the same as finance's usage endpoint.
    const usage = await t.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', financeKey);
    expect(sample(text, 'handlemeter_unique_handles', mine)).toBe(usage.body.uniqueHandles);
  });

  it('counts a call refused because the ledger could not be written', async () => {
    const failures = async () => sample(await scrape(), 'handlemeter_ledger_failures_total') ?? 0;
    const before = await failures();
    // The database refuses the call row (a constraint no call meets), so the write-ahead fails.
    await withClient(t.databaseUrl, (c) =>
      c.query('ALTER TABLE calls ADD CONSTRAINT refuse_all CHECK (tweet_count < 0) NOT VALID'),
    );
    try {
      const res = await call(s.handles[0].userId);
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('LEDGER_UNAVAILABLE');
    } finally {
      await withClient(t.databaseUrl, (c) => c.query('ALTER TABLE calls DROP CONSTRAINT refuse_all'));
    }
    expect((await failures()) - before).toBe(1);
    expect(t.sim.received).toHaveLength(0);
  });
});
