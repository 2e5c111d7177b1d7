/**
 * The X simulator, exercised the way a real client would: requests signed by the oauth-1.0a package
 * (not the simulator's own code), plus a couple of hand-built ones and known-answer signing vectors.
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import OAuth from 'oauth-1.0a';
import {
  hmacSha1Signature,
  parseFormEncoded,
  signatureBaseString,
  simulatedCount,
  XSimulator,
} from '../src/dev/x-simulator';

const APP = { consumerKey: 'ck-main', consumerSecret: 'cs-main', bearerToken: 'bearer-main' };
const TOKEN = { accessToken: '1001-main', accessTokenSecret: 'ts-main', userId: '1001', screenName: 'owner' };
// Secrets that break naive encoders: reserved, '+', '%', space, an apostrophe and non-ASCII (incl. astral).
const ODD_APP = { consumerKey: 'ck-odd', consumerSecret: "a&b=c+d%e~f g/é€😀'!" };
const ODD_TOKEN = { accessToken: '2002-odd', accessTokenSecret: 'x&y=z+%41~ ü*()', userId: '2002' };
const ID_A = '1260294888811347969';
const ID_B = '850006245121695744';
const TOTALS = '/insights/engagement/totals';
const TOTALS_BODY = {
  tweet_ids: [ID_A, ID_B],
  engagement_types: ['impressions', 'favorites'],
  groupings: { perTweet: { group_by: ['tweet.id', 'engagement.type'] }, grand: { group_by: ['engagement.type'] } },
};
const PUBLIC_BODY = { ...TOTALS_BODY, engagement_types: ['favorites', 'retweets'] };

interface SignOpts {
  app?: typeof APP | typeof ODD_APP;
  token?: { key: string; secret: string };
  signUrl?: string;
  timestamp?: number;
}

let sim: XSimulator;

/** Signs like a client would, with oauth-1.0a; the JSON body is deliberately not passed (it is not signed). */
function sign(url: string, o: SignOpts = {}): string {
  const app = o.app ?? APP;
  const oauth = new OAuth({
    consumer: { key: app.consumerKey, secret: app.consumerSecret },
    signature_method: 'HMAC-SHA1',
    hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
  });
  if (o.timestamp !== undefined) oauth.getTimeStamp = () => o.timestamp!;
  const token = o.token ?? { key: TOKEN.accessToken, secret: TOKEN.accessTokenSecret };
  return oauth.toHeader(oauth.authorize({ url: o.signUrl ?? url, method: 'POST' }, token)).Authorization;
}

async function post(target: XSimulator, path: string, body: unknown, authorization?: string) {
  const res = await fetch(target.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}
const signedPost = (path: string, body: unknown, o: SignOpts = {}) => post(sim, path, body, sign(sim.url + path, o));

beforeAll(async () => {
  sim = await XSimulator.start({ apps: [APP, ODD_APP], tokens: [TOKEN, ODD_TOKEN] });
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

describe('signing primitives (known answers)', () => {
  it('reproduces the signature of the example in X\'s "Creating a signature" guide', () => {
    const params: Array<[string, string]> = [
      ['status', 'Hello Ladies + Gentlemen, a signed OAuth request!'],
      ['include_entities', 'true'],
      ['oauth_consumer_key', 'xvz1evFS4wEEPTGEFPHBog'],
      ['oauth_nonce', 'kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg'],
      ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_timestamp', '1318622958'],
      ['oauth_token', '370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb'],
      ['oauth_version', '1.0'],
    ];
    const base = signatureBaseString('POST', 'https://api.twitter.com/1.1/statuses/update.json', params);
    expect(
      hmacSha1Signature(
        base,
        'kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw',
        'LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE',
      ),
    ).toBe('hCtSmYh+iHYCEqBWrE7C7hYmtUk=');
  });

  it('builds the base string of RFC 5849 §3.4.1.1 (duplicate names sort by value, + is a space in form data)', () => {
    const params = [
      ...parseFormEncoded('b5=%3D%253D&a3=a&c%40=&a2=r%20b')!,
      ...parseFormEncoded('c2&a3=2+q')!,
      ['oauth_consumer_key', '9djdj82h48djs9d2'],
      ['oauth_token', 'kkk9d7dh3k39sjv7'],
      ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_timestamp', '137131201'],
      ['oauth_nonce', '7d8f3e4a'],
    ] as Array<[string, string]>;
    expect(signatureBaseString('POST', 'http://example.com/request', params)).toBe(
      'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26' +
        'oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26' +
        'oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7',
    );
  });
});

describe('OAuth 1.0a user context', () => {
  it('answers a correctly signed /totals call with the groupings X would return, and rate-limit headers', async () => {
    const res = await signedPost(TOTALS, TOTALS_BODY);

    expect(res.status).toBe(200);
    expect(res.headers.get('x-per-minute-limit')).toBe('6000');
    expect(res.headers.get('x-per-minute-remaining')).toBe('5999');
    const count = (id: string, m: string) => simulatedCount(id, m);
    expect(res.body).toEqual({
      perTweet: {
        [ID_A]: { impressions: String(count(ID_A, 'impressions')), favorites: String(count(ID_A, 'favorites')) },
        [ID_B]: { impressions: String(count(ID_B, 'impressions')), favorites: String(count(ID_B, 'favorites')) },
      },
      grand: {
        impressions: String(count(ID_A, 'impressions') + count(ID_B, 'impressions')),
        favorites: String(count(ID_A, 'favorites') + count(ID_B, 'favorites')),
      },
    });
    expect(sim.received).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: TOTALS,
        endpoint: 'totals',
        auth: 'oauth1',
        consumerKey: 'ck-main',
        userId: '1001',
        status: 200,
        body: TOTALS_BODY,
      }),
    ]);
  });

  it('nests /historical by day and hour and echoes the range widened to whole hours', async () => {
    const body = {
      tweet_ids: [ID_A],
      engagement_types: ['impressions'],
      start: '2016-02-10T12:24:00Z',
      end: '2016-02-11T08:37:00Z',
      groupings: {
        hourly: { group_by: ['tweet.id', 'engagement.type', 'engagement.day', 'engagement.hour'] },
        daily: { group_by: ['engagement.day'] },
      },
    };
    const res = await signedPost('/insights/engagement/historical', body);

    expect(res.status).toBe(200);
    expect(res.body.start).toBe('2016-02-10T12:00:00Z');
    expect(res.body.end).toBe('2016-02-11T09:00:00Z');
    const days = res.body.hourly[ID_A].impressions;
    expect(Object.keys(days)).toEqual(['2016-02-10', '2016-02-11']);
    expect(Object.keys(days['2016-02-10']).sort()).toEqual([
      '12',
      '13',
      '14',
      '15',
      '16',
      '17',
      '18',
      '19',
      '20',
      '21',
      '22',
      '23',
    ]);
    expect(Object.keys(days['2016-02-11']).sort()).toEqual(['00', '01', '02', '03', '04', '05', '06', '07', '08']);
    expect(days['2016-02-11']['08']).toBe(
      String(simulatedCount(ID_A, 'impressions', Date.parse('2016-02-11T08:00:00Z'))),
    );
    const firstDay = Object.values(days['2016-02-10'] as Record<string, string>).reduce((s, v) => s + Number(v), 0);
    expect(res.body.daily['2016-02-10']).toBe(String(firstDay));
  });

  it('covers whole hours over the last 28 hours on /28hr', async () => {
    const body = {
      tweet_ids: [ID_A],
      engagement_types: ['url_clicks'],
      groupings: { g: { group_by: ['engagement.type'] } },
    };
    const res = await signedPost('/insights/engagement/28hr', body);

    expect(res.status).toBe(200);
    expect(Date.parse(res.body.end) - Date.parse(res.body.start)).toBe(28 * 3_600_000);
    expect(res.body.end).toMatch(/T\d\d:00:00Z$/);
    expect(Object.keys(res.body.g)).toEqual(['url_clicks']);
  });

  it.each([
    ['a wrong consumer secret', { app: { ...APP, consumerSecret: 'nope' } }, 'Invalid signature'],
    ['a wrong token secret', { token: { key: TOKEN.accessToken, secret: 'nope' } }, 'Invalid signature'],
    ['an unknown token', { token: { key: '999-unknown', secret: 'x' } }, 'Access token not found'],
    ['an unknown consumer key', { app: { ...APP, consumerKey: 'ck-unknown' } }, 'Consumer key not found'],
    ['a stale timestamp', { timestamp: Math.floor(Date.now() / 1000) - 400 }, 'Timestamp out of bounds'],
    ['a timestamp from the future', { timestamp: Math.floor(Date.now() / 1000) + 400 }, 'Timestamp out of bounds'],
  ])('refuses %s with 401', async (_what, opts: SignOpts, reason) => {
    const res = await signedPost(TOTALS, TOTALS_BODY, opts);

    expect(res.status).toBe(401);
    expect(res.body).toEqual({ errors: [`Your account could not be authenticated. Reason: ${reason}`] });
    expect(sim.received[0]).toMatchObject({ auth: 'invalid', status: 401 });
    expect(sim.received[0].userId).toBeUndefined();
  });

  it('refuses a replayed request (same nonce) with 401', async () => {
    const authorization = sign(sim.url + TOTALS);

    expect((await post(sim, TOTALS, TOTALS_BODY, authorization)).status).toBe(200);
    const replay = await post(sim, TOTALS, TOTALS_BODY, authorization);
    expect(replay.status).toBe(401);
    expect(replay.body.errors[0]).toMatch(/Nonce already used/);
  });

  it.each([
    ['another path', (url: string) => url.replace('/totals', '/28hr')],
    ["X's real host", () => 'https://data-api.twitter.com/insights/engagement/totals'],
    ['https instead of http', (url: string) => url.replace('http:', 'https:')],
  ])('refuses a request signed for %s', async (_what, signUrl) => {
    const res = await signedPost(TOTALS, TOTALS_BODY, { signUrl: signUrl(sim.url + TOTALS) });

    expect(res.status).toBe(401);
  });

  it('counts query-string parameters in the signature', async () => {
    const path = `${TOTALS}?b=x%20y&a=1&a=0&c=%E2%82%AC`;

    expect((await signedPost(path, TOTALS_BODY)).status).toBe(200);
    // Same query, but signed without it: the simulator must notice.
    expect((await post(sim, path, TOTALS_BODY, sign(sim.url + TOTALS))).status).toBe(401);
  });

  it('verifies secrets full of characters that need percent-encoding', async () => {
    const res = await signedPost(TOTALS, TOTALS_BODY, {
      app: ODD_APP,
      token: { key: ODD_TOKEN.accessToken, secret: ODD_TOKEN.accessTokenSecret },
    });

    expect(res.status).toBe(200);
    expect(sim.received[0]).toMatchObject({ consumerKey: 'ck-odd', userId: '2002' });
  });

  it('accepts a hand-built header: realm, lower-case scheme, loose spacing, no oauth_version', async () => {
    const enc = (s: string) =>
      encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const oauth: Record<string, string> = {
      oauth_consumer_key: APP.consumerKey,
      oauth_token: TOKEN.accessToken,
      oauth_signature_method: 'HMAC-SHA1',
      oauth_timestamp: String(Math.floor(Date.now() / 1000)),
      oauth_nonce: 'hand built nonce/1',
    };
    const paramString = Object.keys(oauth)
      .sort()
      .map((k) => `${k}=${enc(oauth[k])}`)
      .join('&');
    const base = `POST&${enc(sim.url + TOTALS)}&${enc(paramString)}`;
    oauth.oauth_signature = createHmac('sha1', `${APP.consumerSecret}&${TOKEN.accessTokenSecret}`)
      .update(base)
      .digest('base64');
    const header =
      'oauth realm="X" ,' +
      Object.entries(oauth)
        .map(([k, v]) => `${k} = "${enc(v)}"`)
        .join(' ,  ');

    expect((await post(sim, TOTALS, TOTALS_BODY, header)).status).toBe(200);
  });

  it.each([
    ['no Authorization header', undefined, 'none'],
    ['a Basic header', 'Basic Y2s6Y3M=', 'invalid'],
  ])('refuses %s as an Unknown Authorization Type', async (_what, authorization, auth) => {
    const res = await post(sim, TOTALS, TOTALS_BODY, authorization);

    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      errors: ['Your account could not be authenticated. Reason: Unknown Authorization Type'],
    });
    expect(sim.received[0].auth).toBe(auth);
  });

  it('refuses PLAINTEXT signatures', async () => {
    const res = await post(sim, TOTALS, TOTALS_BODY, sign(sim.url + TOTALS).replace('HMAC-SHA1', 'PLAINTEXT'));

    expect(res.status).toBe(401);
    expect(res.body.errors[0]).toMatch(/Unsupported signature method/);
  });
});

describe('app-only (Bearer)', () => {
  const bearer = `Bearer ${APP.bearerToken}`;

  it('answers public metrics on /totals, for any Tweet', async () => {
    sim.unownedTweetIds.add(ID_B);
    const res = await post(sim, TOTALS, PUBLIC_BODY, bearer);

    expect(res.status).toBe(200);
    expect(res.body.perTweet[ID_B].retweets).toBe(String(simulatedCount(ID_B, 'retweets')));
    expect(res.headers.get('x-per-minute-remaining')).toBe('5999');
    expect(sim.received[0]).toMatchObject({ auth: 'bearer', consumerKey: 'ck-main', userId: undefined });
  });

  it('forbids private metrics and the other endpoints', async () => {
    const impressions = await post(sim, TOTALS, TOTALS_BODY, bearer);
    expect(impressions.status).toBe(403);
    expect(impressions.body.errors[0]).toMatch(/impressions/);

    const hourly = {
      ...PUBLIC_BODY,
      engagement_types: ['favorites'],
      groupings: { g: { group_by: ['engagement.type'] } },
    };
    expect((await post(sim, '/insights/engagement/28hr', hourly, bearer)).status).toBe(403);
  });

  it('refuses an unknown bearer token with 401', async () => {
    expect((await post(sim, TOTALS, PUBLIC_BODY, 'Bearer nope')).status).toBe(401);
  });
});

describe('Tweet availability', () => {
  it('forbids unowned Tweets to user tokens, naming them', async () => {
    sim.unownedTweetIds.add(ID_B);
    const res = await signedPost(TOTALS, TOTALS_BODY);

    expect(res.status).toBe(403);
    expect(res.body).toEqual({ errors: [`Forbidden to access tweets: ${ID_B}`] });
  });

  it('refuses protected Tweets with 400, even to their owner', async () => {
    sim.protectedTweetIds.add(ID_A);
    const res = await signedPost(TOTALS, TOTALS_BODY);

    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: ['1 Tweet ID(s) are unavailable'], unavailable_tweet_ids: [ID_A] });
  });

  it('answers 200 without deleted Tweets and lists them', async () => {
    sim.deletedTweetIds.add(ID_A);
    const res = await signedPost(TOTALS, TOTALS_BODY);

    expect(res.status).toBe(200);
    expect(Object.keys(res.body.perTweet)).toEqual([ID_B]);
    expect(res.body.grand.favorites).toBe(String(simulatedCount(ID_B, 'favorites')));
    expect(res.body.unavailable_tweet_ids).toEqual([ID_A]);
    expect(res.body.errors).toEqual(['1 Tweet ID(s) are unavailable']);
  });
});

describe('request checks', () => {
  it.each([
    ['invalid JSON', '{"tweet_ids":'],
    ['missing groupings', { tweet_ids: [ID_A], engagement_types: ['favorites'] }],
    ['missing engagement_types', { tweet_ids: [ID_A], groupings: TOTALS_BODY.groupings }],
    ['numeric Tweet IDs', { ...TOTALS_BODY, tweet_ids: [850006245121695744] }],
    [
      '251 Tweet IDs on /totals',
      { ...TOTALS_BODY, tweet_ids: Array.from({ length: 251 }, (_, i) => String(1000 + i)) },
    ],
    ['engagement.hour on /totals', { ...TOTALS_BODY, groupings: { g: { group_by: ['engagement.hour'] } } }],
  ])('answers 400 for %s', async (_what, body) => {
    const res = await signedPost(TOTALS, body);

    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(1);
  });

  it('answers 400 for 26 Tweet IDs on /28hr', async () => {
    const ids = Array.from({ length: 26 }, (_, i) => String(1000 + i));
    const res = await signedPost('/insights/engagement/28hr', {
      tweet_ids: ids,
      engagement_types: ['favorites'],
      groupings: { g: { group_by: ['tweet.id'] } },
    });

    expect(res.status).toBe(400);
  });

  it('answers 404 with an X-style body for other paths, and records the call', async () => {
    const res = await signedPost('/insights/engagement/daily', TOTALS_BODY);

    expect(res.status).toBe(404);
    expect(res.body.errors).toHaveLength(1);
    expect(sim.received[0]).toMatchObject({ endpoint: null, status: 404 });
  });
});

describe('rate limit and failure modes', () => {
  let own: XSimulator | undefined;
  afterEach(async () => {
    await own?.stop();
    own = undefined;
  });

  it('answers 429 once the per-minute limit of the consumer key is used, counting bearer calls too', async () => {
    own = await XSimulator.start({ apps: [APP], tokens: [TOKEN], perMinuteLimit: 2 });
    const signed = () => post(own!, TOTALS, TOTALS_BODY, sign(own!.url + TOTALS));

    const first = await signed();
    const second = await post(own, TOTALS, PUBLIC_BODY, `Bearer ${APP.bearerToken}`);
    const third = await signed();

    expect([first.status, second.status, third.status]).toEqual([200, 200, 429]);
    expect([first, second, third].map((r) => r.headers.get('x-per-minute-remaining'))).toEqual(['1', '0', '0']);
    expect(third.headers.get('x-per-minute-limit')).toBe('2');
    expect(third.body).toEqual({ errors: ['Rate limit exceeded'] });
  });

  it('hangs without answering until the client gives up, and stop() still returns', async () => {
    own = await XSimulator.start({ apps: [APP], tokens: [TOKEN] });
    own.behaviour.mode = 'hang';

    await expect(
      fetch(own.url + TOTALS, {
        method: 'POST',
        headers: { authorization: sign(own.url + TOTALS) },
        body: '{}',
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow();
    expect(own.received).toEqual([expect.objectContaining({ status: 0, auth: 'oauth1' })]);
    // A second, still-open hanging request must not keep stop() waiting either.
    void fetch(own.url + TOTALS, { method: 'POST', body: '{}' }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await own.stop();
    own = undefined;
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('closes the socket without answering in destroy mode', async () => {
    own = await XSimulator.start({ apps: [APP], tokens: [TOKEN] });
    own.behaviour.mode = 'destroy';

    await expect(post(own, TOTALS, TOTALS_BODY, sign(own.url + TOTALS))).rejects.toThrow();
  });

  it('forces a status with an X-style body, after delayMs', async () => {
    sim.behaviour = { mode: 'normal', delayMs: 150, forceStatus: 503 };
    const started = Date.now();
    const res = await signedPost(TOTALS, TOTALS_BODY);

    expect(res.status).toBe(503);
    expect(res.body).toEqual({ errors: ['Service Unavailable'] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('x-simulator.main', () => {
  it('prints its URL, serves, and exits 0 on SIGTERM', async () => {
    const config = { apps: [APP], tokens: [TOKEN], perMinuteLimit: 7 };
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(__dirname, '../src/dev/x-simulator.main.ts')],
      {
        cwd: join(__dirname, '..'),
        env: { ...process.env, SIMULATOR_CONFIG: JSON.stringify(config) },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const line = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
      const { url } = JSON.parse(line.value as string) as { url: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      const res = await fetch(url + TOTALS, {
        method: 'POST',
        headers: { authorization: sign(url + TOTALS) },
        body: JSON.stringify(TOTALS_BODY),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-per-minute-remaining')).toBe('6');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
