/**
 * The gateway's refusals, through real HTTP (docs/api.md "Errors" and "The gateway"): every request
 * the contract says is refused answers the error body, never reaches X, and is neither logged
 * as a call nor counted as a handle. The boundaries next to each refusal go through, so a
 * refusal that fires too eagerly fails here as well.
 */
import * as crypto from 'node:crypto';
import type { Response } from 'supertest';
import { TIME_SERIES_ENGAGEMENT_TYPES, TOTALS_ENGAGEMENT_TYPES } from '../src/gateway/engagement-request';
import { withClient } from './support/database';
import { addHandle, expectStatus, seed, Seeded, totalsBody } from './support/fixtures';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

const GATEWAY = '/insights/engagement';
const DAY = 86_400_000;
const HOUR = 3_600_000;
const TWEPOCH = 1288834974657n;

/** A snowflake Tweet ID created `ageMs` ago (computed here, not with the code under test). */
const tweetIdAged = (ageMs: number, seq = 0): string =>
  (((BigInt(Date.now() - ageMs) - TWEPOCH) << 22n) + BigInt(seq)).toString();
const recentIds = (n: number): string[] => Array.from({ length: n }, (_, i) => tweetIdAged(60_000, i));
const byTweet = { perTweetMetricsOwned: { group_by: ['tweet.id', 'engagement.type'] } };
const isoAgo = (ms: number): string => new Date(Date.now() - ms).toISOString();
/** 28 days on whole hours, ending two days ago: the widest window /historical serves. */
function window28Days(): { start: string; end: string } {
  const end = Math.floor((Date.now() - 2 * DAY) / HOUR) * HOUR;
  return { start: new Date(end - 28 * DAY).toISOString(), end: new Date(end).toISOString() };
}

function body(
  overrides: Record<string, unknown> = {},
  metrics = ['impressions', 'favorites'],
): Record<string, unknown> {
  return { tweet_ids: recentIds(1), engagement_types: metrics, groupings: byTweet, ...overrides };
}
/** A valid /28hr or /historical body. */
function seriesBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return body(overrides, ['impressions', 'url_clicks']);
}

// 'seeded', 'none', or a literal X-Handle value (an @name or a user id)
type HandleRef = string;
interface Call {
  endpoint: string;
  body?: unknown;
  /** Sent as is, with `contentType` (default application/json). */
  raw?: string;
  contentType?: string;
  handle?: HandleRef;
}

describe('gateway validation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  beforeEach(() => t.sim.reset());

  function send(s: Seeded, c: Call): Promise<Response> {
    let req = t.http().post(`${GATEWAY}/${c.endpoint}`).set('X-API-Key', s.clientKey);
    const handle = c.handle ?? 'seeded';
    if (handle === 'seeded') req = req.set('X-Handle', `@${s.handles[0].screenName}`);
    else if (handle !== 'none') req = req.set('X-Handle', handle);
    if (c.raw !== undefined) return req.set('Content-Type', c.contentType ?? 'application/json').send(c.raw);
    return c.body === undefined ? req : req.send(c.body as object);
  }

  const totalCalls = async (): Promise<number> =>
    Number((await withClient(t.databaseUrl, (c) => c.query('SELECT count(*)::int AS n FROM calls'))).rows[0].n);

  /** The contract's error body: { statusCode, code, message, details } (extra fields allowed). */
  function expectErrorBody(res: Response, status: number, code: string): Record<string, any> {
    expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual(
      expect.objectContaining({ statusCode: status, code, message: expect.any(String), details: expect.any(Object) }),
    );
    expect(res.body.message.trim().length).toBeGreaterThan(10);
    expect(Array.isArray(res.body.details)).toBe(false);
    return res.body.details;
  }

  /** Not sent to X, not a call in the log, not a handle in the count. */
  async function expectNothingRecorded(s: Seeded, callsBefore: number): Promise<void> {
    await t.settle();
    expect(t.sim.received).toEqual([]);
    const usage = await t.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', ADMIN_KEY);
    expectStatus(usage, 200);
    expect({
      uniqueHandles: usage.body.uniqueHandles,
      confirmedHandles: usage.body.confirmedHandles,
      calls: usage.body.calls,
    }).toEqual({
      uniqueHandles: 0,
      confirmedHandles: 0,
      calls: 0,
    });
    const db = await withClient(t.databaseUrl, async (c) => ({
      calls: (
        await c.query('SELECT count(*)::int AS n FROM calls WHERE contract_id = $1 OR app_id = $2', [
          s.contractId,
          s.appId,
        ])
      ).rows[0].n,
      handles: (await c.query('SELECT count(*)::int AS n FROM period_handles WHERE contract_id = $1', [s.contractId]))
        .rows[0].n,
    }));
    expect(db).toEqual({ calls: 0, handles: 0 });
    expect(await totalCalls()).toBe(callsBefore);
  }

  /** Sends `c` for a fresh contract and checks it is refused with `status`/`code`, with nothing recorded. */
  async function expectRefused(c: Call, status: number, code: string, s?: Seeded): Promise<Record<string, any>> {
    s ??= await seed(t);
    t.sim.reset();
    const before = await totalCalls();
    const res = await send(s, c);
    const details = expectErrorBody(res, status, code);
    await expectNothingRecorded(s, before);
    return details;
  }

  /** The positive control: the same kind of call, just inside the limit, is sent and logged. */
  async function expectSent(c: Call): Promise<Response> {
    const s = await seed(t);
    t.sim.reset();
    const res = await send(s, c);
    expectStatus(res, 200);
    await t.settle();
    expect(t.sim.received).toHaveLength(1);
    const usage = await t.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', ADMIN_KEY);
    expect(usage.body.calls).toBe(1);
    return res;
  }

  describe('VALIDATION_FAILED: bad body shapes, unknown fields, bad metrics, bad groupings, numeric tweet IDs', () => {
    const cases: Array<[string, Call, string[]]> = [
      // [name, call, fields details must name]
      ['a JSON array instead of an object', { endpoint: 'totals', raw: '[]' }, []],
      ['a JSON string instead of an object', { endpoint: 'totals', raw: '"tweet_ids"' }, []],
      ['no body at all', { endpoint: 'totals' }, []],
      ['tweet_ids missing', { endpoint: 'totals', body: body({ tweet_ids: undefined }) }, ['tweet_ids']],
      ['tweet_ids a string', { endpoint: 'totals', body: body({ tweet_ids: recentIds(1)[0] }) }, ['tweet_ids']],
      ['tweet_ids empty', { endpoint: 'totals', body: body({ tweet_ids: [] }) }, ['tweet_ids']],
      [
        'engagement_types missing',
        { endpoint: 'totals', body: body({ engagement_types: undefined }) },
        ['engagement_types'],
      ],
      [
        'engagement_types a string',
        { endpoint: '28hr', body: seriesBody({ engagement_types: 'impressions' }) },
        ['engagement_types'],
      ],
      [
        'engagement_types empty',
        { endpoint: 'historical', body: seriesBody({ engagement_types: [] }) },
        ['engagement_types'],
      ],
      ['groupings missing', { endpoint: 'totals', body: body({ groupings: undefined }) }, ['groupings']],
      [
        'groupings an array',
        { endpoint: 'totals', body: body({ groupings: [{ group_by: ['tweet.id'] }] }) },
        ['groupings'],
      ],
      ['an unknown top-level field', { endpoint: 'totals', body: body({ tweetIds: recentIds(1) }) }, ['tweetIds']],
      [
        'start and end on /28hr',
        { endpoint: '28hr', body: seriesBody({ start: isoAgo(3 * DAY), end: isoAgo(DAY) }) },
        ['start', 'end'],
      ],
      ['start on /totals', { endpoint: 'totals', body: body({ start: isoAgo(3 * DAY) }) }, ['start']],
      [
        'an unknown metric',
        { endpoint: 'totals', body: body({ engagement_types: ['favorites', 'likes'] }) },
        ['engagement_types[1]'],
      ],
      [
        'a /28hr-only metric on /totals',
        { endpoint: 'totals', body: body({ engagement_types: ['url_clicks'] }) },
        ['engagement_types[0]'],
      ],
      [
        'quote_tweets on /28hr',
        { endpoint: '28hr', body: seriesBody({ engagement_types: ['impressions', 'quote_tweets'] }) },
        ['engagement_types[1]'],
      ],
      [
        'quote_tweets on /historical',
        { endpoint: 'historical', body: seriesBody({ engagement_types: ['quote_tweets'] }) },
        ['engagement_types[0]'],
      ],
      [
        'the old name media_clicks',
        { endpoint: '28hr', body: seriesBody({ engagement_types: ['media_clicks'] }) },
        ['engagement_types[0]'],
      ],
      [
        'a metric that is not a string',
        { endpoint: 'totals', body: body({ engagement_types: ['favorites', 7] }) },
        ['engagement_types[1]'],
      ],
      [
        'engagement.hour on /totals',
        { endpoint: 'totals', body: body({ groupings: { g: { group_by: ['tweet.id', 'engagement.hour'] } } }) },
        ['groupings.g.group_by[1]'],
      ],
      [
        'engagement.day on /totals',
        { endpoint: 'totals', body: body({ groupings: { g: { group_by: ['engagement.day'] } } }) },
        ['groupings.g.group_by[0]'],
      ],
      [
        '4 groupings',
        {
          endpoint: 'totals',
          body: body({
            groupings: {
              a: { group_by: ['tweet.id'] },
              b: { group_by: ['engagement.type'] },
              c: { group_by: ['tweet.id', 'engagement.type'] },
              d: { group_by: ['engagement.type', 'tweet.id'] },
            },
          }),
        },
        ['groupings'],
      ],
      ['no grouping', { endpoint: 'totals', body: body({ groupings: {} }) }, ['groupings']],
      [
        'an unknown group_by value',
        { endpoint: '28hr', body: seriesBody({ groupings: { g: { group_by: ['tweet.author'] } } }) },
        ['groupings.g.group_by[0]'],
      ],
      [
        'an empty group_by',
        { endpoint: '28hr', body: seriesBody({ groupings: { g: { group_by: [] } } }) },
        ['groupings.g.group_by'],
      ],
      [
        'a 4-value group_by in an order X refuses',
        {
          endpoint: '28hr',
          body: seriesBody({
            groupings: { g: { group_by: ['engagement.day', 'engagement.hour', 'tweet.id', 'engagement.type'] } },
          }),
        },
        ['groupings.g.group_by'],
      ],
      [
        'two 4-value groupings',
        {
          endpoint: 'historical',
          body: seriesBody({
            groupings: {
              one: { group_by: ['tweet.id', 'engagement.type', 'engagement.day', 'engagement.hour'] },
              two: { group_by: ['engagement.type', 'tweet.id', 'engagement.day', 'engagement.hour'] },
            },
          }),
        },
        ['groupings.two.group_by'],
      ],
      [
        'a typo inside a grouping (groupBy)',
        { endpoint: 'totals', body: body({ groupings: { g: { groupBy: ['tweet.id'] } } }) },
        ['groupings.g.groupBy'],
      ],
      // 1260294888811347969 is not exactly representable: the JSON number would reach X as another Tweet.
      [
        'a numeric tweet ID on /totals',
        {
          endpoint: 'totals',
          raw: `{"tweet_ids":[1260294888811347969],"engagement_types":["favorites"],"groupings":${JSON.stringify(byTweet)}}`,
        },
        ['tweet_ids[0]'],
      ],
      [
        'a numeric tweet ID on /28hr',
        { endpoint: '28hr', body: seriesBody({ tweet_ids: [recentIds(1)[0], 1234567] }) },
        ['tweet_ids[1]'],
      ],
      [
        'a tweet ID with letters',
        { endpoint: 'historical', body: seriesBody({ tweet_ids: ['12a4'] }) },
        ['tweet_ids[0]'],
      ],
      [
        'a tweet ID past 2^64',
        { endpoint: 'totals', body: body({ tweet_ids: ['18446744073709551616'] }) },
        ['tweet_ids[0]'],
      ],
      ['a signed tweet ID', { endpoint: 'totals', body: body({ tweet_ids: ['-1'] }) }, ['tweet_ids[0]']],
    ];

    it.each(cases)('refuses %s', async (_name, call, fields) => {
      const details = await expectRefused(call, 400, 'VALIDATION_FAILED');
      for (const f of fields) expect(Object.keys(details.fields ?? {})).toContain(f);
    });

    it('names every bad field at once, not only the first', async () => {
      const details = await expectRefused(
        { endpoint: 'totals', body: { tweet_ids: [12], engagement_types: ['likes'], groupings: byTweet, extra: true } },
        400,
        'VALIDATION_FAILED',
      );
      expect(Object.keys(details.fields).sort()).toEqual(['engagement_types[0]', 'extra', 'tweet_ids[0]']);
    });

    it('refuses a body that is not valid JSON with the error body', async () => {
      const details = await expectRefused({ endpoint: 'totals', raw: '{"tweet_ids": ["1",' }, 400, 'VALIDATION_FAILED');
      expect(details).toEqual(expect.any(Object));
    });

    it('forwards what it validated: a key repeated in the body cannot smuggle 300 Tweet IDs past the limit', async () => {
      const s = await seed(t);
      t.sim.reset();
      const many = JSON.stringify(recentIds(300));
      const one = JSON.stringify(recentIds(1));
      const raw = `{"tweet_ids":${many},"engagement_types":["favorites"],"groupings":${JSON.stringify(byTweet)},"tweet_ids":${one}}`;
      const res = await send(s, { endpoint: 'totals', raw });
      expect(res.status).toBe(200);
      expect(t.sim.received).toHaveLength(1);
      // The bytes X got are the validated body: one Tweet ID (the simulator's own parse would hide a repeat, so count the bytes).
      const validated = JSON.stringify({
        tweet_ids: JSON.parse(one),
        engagement_types: ['favorites'],
        groupings: byTweet,
      });
      expect(t.sim.received[0].headers['content-length']).toBe(String(Buffer.byteLength(validated)));
    });

    it('refuses a body that is not JSON at all (form-encoded) and does not forward it to X', async () => {
      // "All bodies are JSON": a form body parsed into the same shape must not pass as JSON,
      // or its bytes reach X (which answers "Invalid or missing JSON") and the handle is counted.
      const ids = recentIds(1);
      const form = `tweet_ids[0]=${ids[0]}&engagement_types[0]=favorites&groupings[g][group_by][0]=tweet.id`;
      const s = await seed(t);
      t.sim.reset();
      const before = await totalCalls();
      const res = await send(s, { endpoint: 'totals', raw: form, contentType: 'application/x-www-form-urlencoded' });
      await expectNothingRecorded(s, before);
      expect([400, 415]).toContain(res.status);
      expect(res.body).toEqual(
        expect.objectContaining({
          statusCode: res.status,
          code: expect.any(String),
          message: expect.any(String),
          details: expect.any(Object),
        }),
      );
    });

    it('sends the documented 4-value grouping and engagement.day on /28hr (the limits are not too tight)', async () => {
      const res = await expectSent({
        endpoint: '28hr',
        body: seriesBody({
          groupings: {
            series: { group_by: ['tweet.id', 'engagement.type', 'engagement.day', 'engagement.hour'] },
            days: { group_by: ['engagement.day'] },
            totals: { group_by: ['engagement.type'] },
          },
        }),
      });
      expect(Object.keys(res.body)).toEqual(expect.arrayContaining(['series', 'days', 'totals']));
    });
  });

  // The simulator keeps its own reading of X's rules (src/dev/x-simulator.ts), so the gateway's
  // tables are checked against it here: a metric the gateway lets through that X refuses fails.
  describe("the gateway's metrics are X's", () => {
    it.each([
      ['totals', TOTALS_ENGAGEMENT_TYPES],
      ['28hr', TIME_SERIES_ENGAGEMENT_TYPES],
      ['historical', TIME_SERIES_ENGAGEMENT_TYPES],
    ] as const)(
      'sends /%s with every engagement type the gateway accepts there, and X serves them',
      async (endpoint, types) => {
        await expectSent({ endpoint, body: body({}, [...types]) });
      },
    );
  });

  describe('TOO_MANY_TWEET_IDS', () => {
    it.each([
      ['totals', 251, 'seeded'],
      ['totals', 251, 'none'],
      ['28hr', 26, 'seeded'],
      ['historical', 26, 'seeded'],
    ] as const)('refuses %s with %i IDs (X-Handle: %s)', async (endpoint, n, handle) => {
      const metrics =
        endpoint === 'totals' ? (handle === 'none' ? ['favorites'] : ['impressions', 'favorites']) : ['impressions'];
      const details = await expectRefused(
        { endpoint, handle, body: body({ tweet_ids: recentIds(n), engagement_types: metrics }) },
        400,
        'TOO_MANY_TWEET_IDS',
      );
      expect(JSON.stringify(details)).toContain(String(n));
    });

    it.each([
      ['totals', 250],
      ['28hr', 25],
      ['historical', 25],
    ] as const)('sends /%s with exactly %i IDs', async (endpoint, n) => {
      const req =
        endpoint === 'totals'
          ? body({ tweet_ids: recentIds(n) })
          : seriesBody({ tweet_ids: recentIds(n), ...(endpoint === 'historical' ? window28Days() : {}) });
      await expectSent({ endpoint, body: req });
      expect((t.sim.received[0].body as { tweet_ids: string[] }).tweet_ids).toHaveLength(n);
    });
  });

  describe('TWEET_TOO_OLD', () => {
    const old = () => tweetIdAged(91 * DAY);

    it('refuses /totals impressions of a Tweet older than 90 days, listing it in details.tweetIds', async () => {
      const id = old();
      const details = await expectRefused(
        { endpoint: 'totals', body: body({ tweet_ids: [id], engagement_types: ['impressions'] }) },
        400,
        'TWEET_TOO_OLD',
      );
      expect(details.tweetIds).toEqual([id]);
    });

    it('refuses /totals engagements too, and lists only the old IDs of a mixed batch', async () => {
      const [recent] = recentIds(1);
      const oldA = tweetIdAged(200 * DAY);
      const oldB = tweetIdAged(2000 * DAY);
      const details = await expectRefused(
        {
          endpoint: 'totals',
          body: body({ tweet_ids: [recent, oldA, oldB], engagement_types: ['engagements', 'favorites'] }),
        },
        400,
        'TWEET_TOO_OLD',
      );
      expect([...details.tweetIds].sort()).toEqual([oldA, oldB].sort());
    });

    it('judges by the ID itself: the documented @X Tweet of 2020-05-12 is too old', async () => {
      const details = await expectRefused(
        { endpoint: 'totals', body: body({ tweet_ids: ['1260294888811347969'], engagement_types: ['impressions'] }) },
        400,
        'TWEET_TOO_OLD',
      );
      expect(details.tweetIds).toEqual(['1260294888811347969']);
    });

    it('sends public metrics of an old Tweet, and impressions of an 89-day-old one', async () => {
      await expectSent({
        endpoint: 'totals',
        body: body({ tweet_ids: [old()], engagement_types: ['favorites', 'retweets'] }),
      });
      await expectSent({
        endpoint: 'totals',
        body: body({ tweet_ids: [tweetIdAged(89 * DAY)], engagement_types: ['impressions', 'engagements'] }),
      });
    });
  });

  describe('INVALID_DATE_RANGE on /historical', () => {
    const cases: Array<[string, unknown, unknown]> = [
      ['an unparsable start', 'last tuesday', isoAgo(DAY)],
      ['an unparsable end', isoAgo(3 * DAY), '2026-13-45'],
      ['a start that is a number', Date.now() - 3 * DAY, isoAgo(DAY)],
      ['a date-time without a zone', '2026-01-01T10:00:00', isoAgo(DAY)],
      ['end before start', isoAgo(DAY), isoAgo(3 * DAY)],
      ['end in the future', isoAgo(2 * DAY), new Date(Date.now() + 2 * HOUR).toISOString()],
      ['more than 28 days apart', isoAgo(40 * DAY), isoAgo(DAY)],
      ['start before X’s oldest date (2014-09-01)', '2014-08-20', '2014-09-10'],
      ['start more than 365 days ago', isoAgo(400 * DAY), isoAgo(390 * DAY)],
    ];

    it.each(cases)('refuses %s', async (_name, start, end) => {
      await expectRefused({ endpoint: 'historical', body: seriesBody({ start, end }) }, 400, 'INVALID_DATE_RANGE');
    });

    it('sends a window of exactly 28 days that ends in the past', async () => {
      await expectSent({ endpoint: 'historical', body: seriesBody(window28Days()) });
    });

    // docs/x-api-facts.md §1: "with no start/end it defaults to the previous 4 weeks". The gateway must
    // pass it on, and X (here the simulator) must serve it.
    it('sends a request with neither start nor end (X serves the previous 4 weeks)', async () => {
      await expectSent({ endpoint: 'historical', body: seriesBody() });
    });
  });

  describe('USER_CONTEXT_REQUIRED', () => {
    it.each([
      ['/28hr without X-Handle', { endpoint: '28hr', handle: 'none', body: seriesBody() }],
      ['/historical without X-Handle', { endpoint: 'historical', handle: 'none', body: seriesBody() }],
      [
        '/totals impressions without X-Handle',
        { endpoint: 'totals', handle: 'none', body: body({ engagement_types: ['favorites', 'impressions'] }) },
      ],
      [
        '/totals engagements without X-Handle',
        { endpoint: 'totals', handle: 'none', body: body({ engagement_types: ['engagements'] }) },
      ],
    ] as Array<[string, Call]>)('refuses %s', async (_name, call) => {
      await expectRefused(call, 400, 'USER_CONTEXT_REQUIRED');
    });

    it('refuses app-only /totals for an app registered without a bearer token', async () => {
      const s = await seed(t);
      const app = await t
        .http()
        .post(`/contracts/${s.contractId}/apps`)
        .set('X-API-Key', ADMIN_KEY)
        .send({
          name: 'no-bearer',
          consumerKey: `ck_${crypto.randomBytes(6).toString('hex')}`,
          consumerSecret: `cs_${crypto.randomBytes(16).toString('hex')}`,
        });
      expectStatus(app, 201);
      const key = await t
        .http()
        .post('/api-keys')
        .set('X-API-Key', ADMIN_KEY)
        .send({ name: 'nb', role: 'client', appId: app.body.id });
      expectStatus(key, 201);
      await expectRefused(
        { endpoint: 'totals', handle: 'none', body: body({}, ['favorites']) },
        400,
        'USER_CONTEXT_REQUIRED',
        { ...s, appId: app.body.id, clientKey: key.body.key },
      );
    });
  });

  describe('HANDLE_NOT_REGISTERED', () => {
    it.each(['@nobody_here', 'nobody_here', '987654321987'])(
      'refuses X-Handle %s, which names no registered handle',
      async (ref) => {
        const details = await expectRefused(
          { endpoint: 'totals', handle: ref, body: body() },
          404,
          'HANDLE_NOT_REGISTERED',
        );
        expect(JSON.stringify(details)).toContain(ref);
      },
    );

    it('refuses a handle registered for another app (by @name and by user ID)', async () => {
      const other = await seed(t);
      const s = await seed(t);
      await expectRefused(
        { endpoint: 'totals', handle: `@${other.handles[0].screenName}`, body: body() },
        404,
        'HANDLE_NOT_REGISTERED',
        s,
      );
      await expectRefused(
        { endpoint: 'totals', handle: other.handles[0].userId, body: body() },
        404,
        'HANDLE_NOT_REGISTERED',
        s,
      );
    });

    it('refuses a handle that was deleted', async () => {
      const s = await seed(t);
      const list = await t.http().get(`/apps/${s.appId}/handles`).set('X-API-Key', ADMIN_KEY);
      expectStatus(list, 200);
      await t.http().delete(`/apps/${s.appId}/handles/${list.body[0].id}`).set('X-API-Key', ADMIN_KEY).expect(204);
      await expectRefused({ endpoint: 'totals', body: body() }, 404, 'HANDLE_NOT_REGISTERED', s);
    });

    it('finds a registered handle by @name, bare name (any case) and numeric user ID', async () => {
      const s = await seed(t);
      const h = s.handles[0];
      for (const ref of [`@${h.screenName}`, h.screenName.toUpperCase(), h.userId]) {
        t.sim.reset();
        const res = await send(s, { endpoint: 'totals', handle: ref, body: body() });
        expect({ ref, status: res.status }).toEqual({ ref, status: 200 });
        expect(t.sim.received.map((r) => ({ auth: r.auth, userId: r.userId }))).toEqual([
          { auth: 'oauth1', userId: h.userId },
        ]);
      }
    });
  });

  describe('unknown endpoints', () => {
    it.each([
      ['post', `${GATEWAY}/daily`],
      ['post', `${GATEWAY}/Totals`],
      ['post', `${GATEWAY}/totals/extra`],
      ['post', `${GATEWAY}`],
      ['post', '/insights/totals'],
    ] as const)('%s %s is 404 with the error body and reaches nothing', async (method, path) => {
      const s = await seed(t);
      t.sim.reset();
      const before = await totalCalls();
      const res = await t
        .http()
        [method](path)
        .set('X-API-Key', s.clientKey)
        .set('X-Handle', `@${s.handles[0].screenName}`)
        .send(body());
      expectErrorBody(res, 404, 'NOT_FOUND');
      await expectNothingRecorded(s, before);
    });

    it.each(['get', 'put', 'patch', 'delete'] as const)(
      '%s on a gateway path is 405 naming POST in Allow, and reaches nothing',
      async (method) => {
        const s = await seed(t);
        t.sim.reset();
        const before = await totalCalls();
        const res = await t
          .http()
          [method](`${GATEWAY}/totals`)
          .set('X-API-Key', s.clientKey)
          .set('X-Handle', `@${s.handles[0].screenName}`)
          .send(body());
        expectErrorBody(res, 405, 'METHOD_NOT_ALLOWED');
        expect(res.headers.allow).toBe('POST');
        await expectNothingRecorded(s, before);
      },
    );
  });

  describe('an app-only call', () => {
    it('on /totals with public metrics only is sent with the bearer token, logged, and not counted', async () => {
      const s = await seed(t);
      t.sim.reset();
      const req = body({ tweet_ids: recentIds(3) }, [
        'favorites',
        'retweets',
        'quote_tweets',
        'replies',
        'video_views',
      ]);
      const res = await send(s, { endpoint: 'totals', handle: 'none', body: req });
      expect({ status: res.status, body: res.body }).toEqual({
        status: 200,
        body: { perTweetMetricsOwned: expect.any(Object) },
      });
      await t.settle();

      expect(t.sim.received).toHaveLength(1);
      expect(t.sim.received[0]).toEqual(
        expect.objectContaining({
          auth: 'bearer',
          consumerKey: s.consumerKey,
          endpoint: 'totals',
          userId: undefined,
          status: 200,
        }),
      );
      expect(t.sim.received[0].headers.authorization).toBe(`Bearer ${s.bearerToken}`);
      expect(t.sim.received[0].body).toEqual(req);

      const usage = await t.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', ADMIN_KEY);
      expect(usage.body).toEqual(expect.objectContaining({ uniqueHandles: 0, confirmedHandles: 0, calls: 1 }));
      const rows = await withClient(t.databaseUrl, (c) =>
        c.query('SELECT app_id, user_id, endpoint, tweet_count, status FROM calls WHERE contract_id = $1', [
          s.contractId,
        ]),
      );
      expect(rows.rows).toEqual([{ app_id: s.appId, user_id: null, endpoint: 'totals', tweet_count: 3, status: 200 }]);
      const handles = await withClient(t.databaseUrl, (c) =>
        c.query('SELECT count(*)::int AS n FROM period_handles WHERE contract_id = $1', [s.contractId]),
      );
      expect(handles.rows[0].n).toBe(0);
      const roster = await t
        .http()
        .get(`/contracts/${s.contractId}/periods/${usage.body.period.key}/handles`)
        .set('X-API-Key', ADMIN_KEY);
      expect(roster.body).toEqual([]);
    });

    it('is counted once a handle calls (control for the test above)', async () => {
      const s = await seed(t);
      await addHandle(t, s.appId);
      const res = await t
        .http()
        .post(`${GATEWAY}/totals`)
        .set('X-API-Key', s.clientKey)
        .set('X-Handle', `@${s.handles[0].screenName}`)
        .send(totalsBody());
      expect(res.status).toBe(200);
      await t.settle();
      const usage = await t.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', ADMIN_KEY);
      expect(usage.body).toEqual(expect.objectContaining({ uniqueHandles: 1, calls: 1 }));
    });
  });
});
