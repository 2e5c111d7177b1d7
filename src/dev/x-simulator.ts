/**
 * A stand-in for X's enterprise Engagement API (facts: docs/x-api-facts.md), used for
 * development, the demo, integration tests and as the upstream of throughput benchmarks.
 *
 * OAuth 1.0a is verified with hand-written RFC 5849 code on purpose: sharing the gateway's signer
 * (or the oauth-1.0a package) would let one signing bug pass on both sides. For the same reason the
 * request rules below (metrics per endpoint, Tweet ID limits, groupings) are the simulator's own
 * reading of docs/x-api-facts.md, not the gateway's tables (src/gateway/engagement-request.ts):
 * a metric the gateway lets through by mistake is refused here as X would, and
 * test/gateway-validation.test.ts sends every metric the gateway accepts to check the two agree.
 *
 * Plain node:http and no per-request logging, because benchmarks measure the gateway, not this.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { gzip } from 'node:zlib';
import { XOAuthEndpoints } from './x-oauth-simulator';

export interface SimApp {
  consumerKey: string;
  consumerSecret: string;
  bearerToken?: string;
}
/** `consumerKey`, when set, binds the token to that app (X issues tokens per app). */
export interface SimToken {
  accessToken: string;
  accessTokenSecret: string;
  userId: string;
  screenName?: string;
  consumerKey?: string;
}
export interface SimulatorOptions {
  port?: number;
  host?: string;
  apps?: SimApp[];
  tokens?: SimToken[];
  perMinuteLimit?: number;
  clockSkewSeconds?: number;
  /** gzip answers when the client sends Accept-Encoding: gzip (X does; off by default to keep benchmarks cheap). */
  gzip?: boolean;
  /** `received` keeps at least this many most recent calls (default 100k) so long benchmarks don't grow without bound. */
  maxReceived?: number;
}
export type Endpoint = 'totals' | '28hr' | 'historical';
export interface ReceivedCall {
  at: Date;
  method: string;
  path: string;
  endpoint: Endpoint | null;
  auth: 'oauth1' | 'bearer' | 'none' | 'invalid';
  consumerKey?: string;
  userId?: string;
  /** The status answered (set before any delayMs), or 0 when no answer is sent (hang, destroy). */
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}
export interface SimBehaviour {
  mode: 'normal' | 'hang' | 'destroy';
  delayMs: number;
  forceStatus?: number;
}

// ---------------------------------------------------------------- RFC 5849 primitives

/** RFC 5849 §3.6: only A-Z a-z 0-9 - . _ ~ stay; encodeURIComponent also spares !'()*. */
export function oauthEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** §3.4.1: encode each pair, sort by name then value (byte order; encoded text is ASCII), join. */
export function signatureBaseString(method: string, baseUri: string, params: Array<[string, string]>): string {
  const pairs = params.map(([k, v]) => [oauthEncode(k), oauthEncode(v)] as const);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const normalized = pairs.map(([k, v]) => `${k}=${v}`).join('&');
  return `${method.toUpperCase()}&${oauthEncode(baseUri)}&${oauthEncode(normalized)}`;
}

export function hmacSha1Signature(baseString: string, consumerSecret: string, tokenSecret: string): string {
  return createHmac('sha1', `${oauthEncode(consumerSecret)}&${oauthEncode(tokenSecret)}`)
    .update(baseString)
    .digest('base64');
}

/** Query strings are form-encoded (§3.4.1.3.1), so '+' is a space here, unlike in the header. Null if malformed. */
export function parseFormEncoded(qs: string): Array<[string, string]> | null {
  const out: Array<[string, string]> = [];
  for (const part of qs.split('&')) {
    if (part === '') continue;
    const i = part.indexOf('=');
    const [k, v] = i < 0 ? [part, ''] : [part.slice(0, i), part.slice(i + 1)];
    try {
      out.push([decodeURIComponent(k.replace(/\+/g, ' ')), decodeURIComponent(v.replace(/\+/g, ' '))]);
    } catch {
      return null;
    }
  }
  return out;
}

/** `k="v", ...` after the scheme, values percent-decoded (§3.5.1). Null if malformed or a name repeats. */
export function parseOAuthParams(rest: string): Map<string, string> | null {
  const re = /\s*([^\s=,]+)\s*=\s*"([^"]*)"\s*(,|$)/y;
  const out = new Map<string, string>();
  const text = rest.trim();
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return null;
    try {
      const k = decodeURIComponent(m[1]);
      if (out.has(k)) return null;
      out.set(k, decodeURIComponent(m[2]));
    } catch {
      return null;
    }
    pos = re.lastIndex;
    if (m[3] === '') break;
  }
  return out;
}

// ---------------------------------------------------------------- deterministic data

const HOUR_MS = 3_600_000;
const HOURLY_SCALE: Record<string, number> = { impressions: 500, engagements: 40, video_views: 30, media_views: 30 };

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}
/**
 * The count the simulator reports for a Tweet and metric: a lifetime total (/totals) or, given the
 * start of an hour, that hour's count (/28hr, /historical). Tests use it to compute expected answers.
 */
export function simulatedCount(tweetId: string, metric: string, hourStartMs?: number): number {
  const scale = HOURLY_SCALE[metric] ?? 8;
  const seed = fnv1a(`${tweetId}|${metric}`);
  return hourStartMs === undefined ? mix(seed) % (scale * 400) : mix(seed ^ Math.floor(hourStartMs / HOUR_MS)) % scale;
}

/** Nests by group_by order; each leaf sums the hourly (or lifetime) counts its path selects. */
function buildGrouping(groupBy: string[], tweets: string[], metrics: string[], hours: number[] | null): unknown {
  const leaf = (ts: string[], ms: string[], hs: number[]): string => {
    let sum = 0;
    for (const t of ts)
      for (const m of ms) {
        if (!hours) sum += simulatedCount(t, m);
        else for (const h of hs) sum += simulatedCount(t, m, h);
      }
    return String(sum);
  };
  const bucket = (hs: number[], key: (iso: string) => string): Map<string, number[]> => {
    const out = new Map<string, number[]>();
    for (const h of hs) {
      const k = key(new Date(h).toISOString());
      const list = out.get(k);
      if (list) list.push(h);
      else out.set(k, [h]);
    }
    return out;
  };
  const walk = (level: number, ts: string[], ms: string[], hs: number[]): unknown => {
    if (level === groupBy.length) return leaf(ts, ms, hs);
    const obj: Record<string, unknown> = {};
    const dim = groupBy[level];
    if (dim === 'tweet.id') for (const t of ts) obj[t] = walk(level + 1, [t], ms, hs);
    else if (dim === 'engagement.type') for (const m of ms) obj[m] = walk(level + 1, ts, [m], hs);
    else {
      const groups = bucket(hs, dim === 'engagement.day' ? (iso) => iso.slice(0, 10) : (iso) => iso.slice(11, 13));
      for (const [k, g] of groups) obj[k] = walk(level + 1, ts, ms, g);
    }
    return obj;
  };
  return walk(0, tweets, metrics, hours ?? []);
}

// ---------------------------------------------------------------- request rules
// X's, read from docs/x-api-facts.md apart from the gateway's tables on purpose (see the top of the file).

const PUBLIC_METRICS = ['favorites', 'retweets', 'quote_tweets', 'replies', 'video_views'];
const TIMED_METRICS = [
  'impressions',
  'engagements',
  'favorites',
  'retweets',
  'replies',
  'video_views',
  'media_views',
  'media_engagements',
  'url_clicks',
  'hashtag_clicks',
  'detail_expands',
  'permalink_clicks',
  'app_install_attempts',
  'app_opens',
  'email_tweet',
  'user_follows',
  'user_profile_clicks',
];
const METRICS: Record<Endpoint, string[]> = {
  totals: ['impressions', 'engagements', ...PUBLIC_METRICS],
  '28hr': TIMED_METRICS,
  historical: TIMED_METRICS,
};
const FORCED_TEXT: Record<number, string> = {
  429: 'Rate limit exceeded',
  500: 'internal server error',
  503: 'Service Unavailable',
};
const MAX_IDS: Record<Endpoint, number> = { totals: 250, '28hr': 25, historical: 25 };
const GROUP_BYS = ['tweet.id', 'engagement.type', 'engagement.day', 'engagement.hour'];
const FOUR_ITEM_ORDERS = [
  'tweet.id,engagement.type,engagement.day,engagement.hour',
  'engagement.type,tweet.id,engagement.day,engagement.hour',
];
const ENDPOINTS = new Map<string, Endpoint>([
  ['/insights/engagement/totals', 'totals'],
  ['/insights/engagement/28hr', '28hr'],
  ['/insights/engagement/historical', 'historical'],
]);
const MAX_BODY_BYTES = 1 << 20;

interface EngagementRequest {
  tweetIds: string[];
  types: string[];
  groupings: Array<[string, string[]]>;
  hours: number[] | null;
  start?: number;
  end?: number;
}

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string');

/** Returns the request or the X-style error text for a 400. Checks the cheap documented rules only. */
function parseEngagementRequest(endpoint: Endpoint, body: unknown, now: number): EngagementRequest | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'Invalid or missing JSON';
  const b = body as Record<string, unknown>;
  // Strings only, as the API reference demands: a gateway sending numbers would lose precision anyway.
  if (!isStringArray(b.tweet_ids) || !b.tweet_ids.every((id) => /^\d{1,20}$/.test(id)))
    return 'tweet_ids must be a non-empty array of Tweet ID strings';
  const tweetIds = [...new Set(b.tweet_ids)];
  if (tweetIds.length > MAX_IDS[endpoint])
    return `Too many Tweet IDs: ${tweetIds.length} (at most ${MAX_IDS[endpoint]} for /${endpoint})`;
  if (!isStringArray(b.engagement_types)) return 'engagement_types must be a non-empty array of strings';
  const badTypes = b.engagement_types.filter((t) => !METRICS[endpoint].includes(t));
  if (badTypes.length) return `Unsupported engagement type(s) for /${endpoint}: ${badTypes.join(', ')}`;
  const g = b.groupings;
  if (typeof g !== 'object' || g === null || Array.isArray(g) || Object.keys(g).length === 0)
    return 'groupings must be a non-empty object';
  const groupings = Object.entries(g as Record<string, unknown>).map(
    ([name, v]) => [name, (v as { group_by?: unknown } | null)?.group_by] as [string, unknown],
  );
  if (groupings.length > 3) return 'At most 3 groupings are allowed';
  let fourItem = 0;
  for (const [name, by] of groupings) {
    if (!isStringArray(by) || new Set(by).size !== by.length || !by.every((x) => GROUP_BYS.includes(x)))
      return `Invalid group_by in grouping ${name}`;
    const timed = by.filter((x) => x === 'engagement.day' || x === 'engagement.hour');
    if (endpoint === 'totals' && timed.length)
      return `One or more of the groupBys you have specified are not supported: (${timed.join(', ')})`;
    if (by.length === 4 && (!FOUR_ITEM_ORDERS.includes(by.join(',')) || ++fourItem > 1))
      return `Invalid group_by order in grouping ${name}`;
  }
  const req: EngagementRequest = {
    tweetIds,
    types: [...new Set(b.engagement_types)],
    groupings: groupings as Array<[string, string[]]>,
    hours: null,
  };
  if (endpoint === 'totals') return req;
  let start: number, end: number;
  if (endpoint === '28hr') {
    end = Math.ceil(now / HOUR_MS) * HOUR_MS;
    start = end - 28 * HOUR_MS;
  } else {
    const parse = (v: unknown): number => (typeof v === 'string' ? Date.parse(v) : NaN);
    // Widen to whole hours: 12:24 → 12:00 for start, 08:37 → 09:00 for end. The default window
    // (the previous 4 weeks) is taken from the widened end, so it is exactly 28 days.
    end = Math.ceil((b.end === undefined ? now : parse(b.end)) / HOUR_MS) * HOUR_MS;
    start = b.start === undefined ? end - 28 * 24 * HOUR_MS : Math.floor(parse(b.start) / HOUR_MS) * HOUR_MS;
    if (Number.isNaN(start) || Number.isNaN(end))
      return 'start and end must be dates like 2015-08-01 or 2016-02-10T17:00:00Z';
    if (start >= end) return 'start must be before end';
    if (end - start > 28 * 24 * HOUR_MS) return 'The requested time range exceeds 4 weeks';
  }
  req.hours = [];
  for (let h = start; h < end; h += HOUR_MS) req.hours.push(h);
  return Object.assign(req, { start, end });
}

const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const notAuthenticated = (reason: string): string => `Your account could not be authenticated. Reason: ${reason}`;

type AuthResult =
  | { ok: true; kind: 'oauth1'; app: SimApp; token: SimToken }
  | { ok: true; kind: 'bearer'; app: SimApp }
  | { ok: false; kind: 'none' | 'invalid'; reason: string; consumerKey?: string };

interface Answer {
  status: number;
  payload: unknown;
}

// ---------------------------------------------------------------- the server

export class XSimulator {
  readonly received: ReceivedCall[] = [];
  unownedTweetIds = new Set<string>();
  protectedTweetIds = new Set<string>();
  deletedTweetIds = new Set<string>();
  behaviour: SimBehaviour = { mode: 'normal', delayMs: 0 };
  /** X's sign-in (request_token, authorize, access_token); `oauth.account` is who approves. */
  readonly oauth: XOAuthEndpoints;

  private readonly apps = new Map<string, SimApp>();
  private readonly bearers = new Map<string, SimApp>();
  private readonly tokens = new Map<string, SimToken>();
  private readonly windows = new Map<string, { start: number; used: number }>();
  private readonly nonceSeen = new Map<string, number>(); // key → the timestamp it came with
  private readonly nonceByTs = new Map<number, string[]>(); // lets expiry drop whole seconds at once
  private lastNoncePrune = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server: Server;
  private readonly limit: number;
  private readonly skew: number;
  private readonly maxReceived: number;
  private baseUrl = '';

  private constructor(private readonly opts: SimulatorOptions) {
    this.limit = opts.perMinuteLimit ?? 6000;
    this.skew = opts.clockSkewSeconds ?? 300;
    this.maxReceived = opts.maxReceived ?? 100_000;
    for (const a of opts.apps ?? []) this.addApp(a);
    for (const t of opts.tokens ?? []) this.addToken(t);
    this.oauth = new XOAuthEndpoints({
      issueToken: (t) => this.addToken(t),
      verify: (req, path, params, tokenSecret) => this.verifySigned(req, path, params, tokenSecret),
    });
    this.server = createServer((req, res) => this.onRequest(req, res));
    // Longer than typical client agents' idle timeout, so a reused keep-alive socket isn't closed under the client.
    this.server.keepAliveTimeout = 65_000;
  }

  static async start(opts: SimulatorOptions = {}): Promise<XSimulator> {
    const sim = new XSimulator(opts);
    const host = opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      sim.server.once('error', reject);
      sim.server.listen(opts.port ?? 0, host, () => resolve());
    });
    const { port } = sim.server.address() as AddressInfo;
    sim.baseUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    return sim;
  }

  get url(): string {
    return this.baseUrl;
  }

  addApp(app: SimApp): void {
    this.apps.set(app.consumerKey, app);
    if (app.bearerToken) this.bearers.set(app.bearerToken, app);
  }

  addToken(t: SimToken): void {
    this.tokens.set(t.accessToken, t);
  }

  /** Nonces are kept: a replay after reset() is still a replay. */
  reset(): void {
    this.received.length = 0;
    this.behaviour = { mode: 'normal', delayMs: 0 };
    this.unownedTweetIds.clear();
    this.protectedTweetIds.clear();
    this.deletedTweetIds.clear();
    this.windows.clear();
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections(); // hanging and idle keep-alive sockets would otherwise hold close() open
    await closed;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const at = new Date();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('error', () => undefined); // a client that goes away mid-body is not our failure
    req.on('end', () =>
      this.handle(req, res, at, size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')),
    );
  }

  private handle(req: IncomingMessage, res: ServerResponse, at: Date, raw: string | null): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (
      path.startsWith('/oauth/') &&
      this.behaviour.mode === 'normal' &&
      this.oauth.handle(req, res, path, q < 0 ? '' : url.slice(q + 1), raw ?? '')
    )
      return;
    const endpoint = ENDPOINTS.get(path) ?? null;
    let body: unknown = raw || undefined;
    let jsonOk = false;
    if (raw)
      try {
        body = JSON.parse(raw);
        jsonOk = true;
      } catch {
        /* recorded as the raw text */
      }
    const now = Date.now();
    const auth = this.authenticate(req, path, q < 0 ? '' : url.slice(q + 1), now);
    const call: ReceivedCall = {
      at,
      method: req.method ?? '',
      path,
      endpoint,
      status: 0,
      body,
      headers: req.headers,
      auth: auth.kind,
      consumerKey: auth.ok ? auth.app.consumerKey : auth.consumerKey,
      userId: auth.ok && auth.kind === 'oauth1' ? auth.token.userId : undefined,
    };
    const { mode, delayMs, forceStatus } = this.behaviour;
    if (mode !== 'normal') {
      this.record(call);
      if (mode === 'destroy') this.later(delayMs, () => req.socket.destroy());
      return; // hang: the socket stays open until the client gives up or stop() closes it
    }
    const quotaKey = auth.ok ? auth.app.consumerKey : auth.consumerKey;
    let remaining = this.peekRemaining(quotaKey, now);
    let answer: Answer;
    if (forceStatus) {
      answer = {
        status: forceStatus,
        payload: { errors: [FORCED_TEXT[forceStatus] ?? `Simulated status ${forceStatus}`] },
      };
      if (forceStatus === 429) remaining = 0;
    } else if (req.method !== 'POST' || !endpoint) {
      answer = { status: 404, payload: { errors: [`Sorry, that page does not exist: ${req.method} ${path}`] } };
    } else if (!auth.ok) {
      answer = { status: 401, payload: { errors: [auth.reason] } };
    } else if ((remaining = this.consume(auth.app.consumerKey, now)) < 0) {
      remaining = 0;
      answer = { status: 429, payload: { errors: ['Rate limit exceeded'] } };
    } else if (raw === null) {
      answer = { status: 413, payload: { errors: ['Request body too large'] } };
    } else {
      answer = this.engagement(endpoint, jsonOk ? body : undefined, auth, now);
    }
    call.status = answer.status;
    this.record(call);
    this.later(delayMs, () => this.send(req, res, answer, remaining));
  }

  private engagement(endpoint: Endpoint, body: unknown, auth: AuthResult & { ok: true }, now: number): Answer {
    const r = parseEngagementRequest(endpoint, body, now);
    if (typeof r === 'string') return { status: 400, payload: { errors: [r] } };
    if (auth.kind === 'bearer') {
      if (endpoint !== 'totals')
        return {
          status: 403,
          payload: {
            errors: [`Application-only authentication is not permitted for /insights/engagement/${endpoint}`],
          },
        };
      const priv = r.types.filter((t) => !PUBLIC_METRICS.includes(t));
      if (priv.length) return { status: 403, payload: { errors: [`Forbidden to access metrics: ${priv.join(', ')}`] } };
    } else {
      const unowned = r.tweetIds.filter((id) => this.unownedTweetIds.has(id));
      if (unowned.length)
        return { status: 403, payload: { errors: [`Forbidden to access tweets: ${unowned.join(', ')}`] } };
    }
    const prot = r.tweetIds.filter((id) => this.protectedTweetIds.has(id));
    if (prot.length)
      return {
        status: 400,
        payload: { errors: [`${prot.length} Tweet ID(s) are unavailable`], unavailable_tweet_ids: prot },
      };
    const deleted = r.tweetIds.filter((id) => this.deletedTweetIds.has(id));
    const live = deleted.length ? r.tweetIds.filter((id) => !this.deletedTweetIds.has(id)) : r.tweetIds;
    const payload: Record<string, unknown> =
      r.start === undefined ? {} : { start: isoSeconds(r.start), end: isoSeconds(r.end!) };
    for (const [name, by] of r.groupings) payload[name] = buildGrouping(by, live, r.types, r.hours);
    if (deleted.length)
      Object.assign(payload, {
        unavailable_tweet_ids: deleted,
        errors: [`${deleted.length} Tweet ID(s) are unavailable`],
      });
    return { status: 200, payload };
  }

  private authenticate(req: IncomingMessage, path: string, query: string, now: number): AuthResult {
    const header = req.headers.authorization;
    if (!header) return { ok: false, kind: 'none', reason: notAuthenticated('Unknown Authorization Type') };
    const sp = header.indexOf(' ');
    const scheme = (sp < 0 ? header : header.slice(0, sp)).toLowerCase();
    const rest = sp < 0 ? '' : header.slice(sp + 1);
    const fail = (reason: string, consumerKey?: string): AuthResult => ({
      ok: false,
      kind: 'invalid',
      reason: notAuthenticated(reason),
      consumerKey,
    });
    if (scheme === 'bearer') {
      const app = this.bearers.get(rest.trim());
      return app ? { ok: true, kind: 'bearer', app } : fail('Invalid or expired bearer token');
    }
    if (scheme !== 'oauth') return fail('Unknown Authorization Type');
    const p = parseOAuthParams(rest);
    if (!p) return fail('Malformed OAuth Authorization header');
    const ck = p.get('oauth_consumer_key') ?? '';
    const app = this.apps.get(ck);
    if (!app) return fail('Consumer key not found', ck || undefined);
    if (p.get('oauth_signature_method') !== 'HMAC-SHA1') return fail('Unsupported signature method', ck);
    if (p.has('oauth_version') && p.get('oauth_version') !== '1.0') return fail('Unsupported OAuth version', ck);
    const tsText = p.get('oauth_timestamp') ?? '';
    const ts = /^\d{1,12}$/.test(tsText) ? Number(tsText) : NaN;
    const nowS = Math.floor(now / 1000);
    if (!(Math.abs(nowS - ts) <= this.skew)) return fail('Timestamp out of bounds', ck);
    const nonce = p.get('oauth_nonce');
    if (!nonce) return fail('Missing oauth_nonce', ck);
    const token = this.tokens.get(p.get('oauth_token') ?? '');
    if (!token || (token.consumerKey !== undefined && token.consumerKey !== ck))
      return fail('Access token not found', ck);
    const given = p.get('oauth_signature');
    const queryParams = parseFormEncoded(query);
    if (!given || !queryParams) return fail('Invalid signature', ck);
    const params: Array<[string, string]> = [...queryParams];
    for (const [k, v] of p) if (k !== 'realm' && k !== 'oauth_signature') params.push([k, v]);
    const host = (req.headers.host ?? this.baseUrl.slice(7)).toLowerCase().replace(/:80$/, '');
    const expected = hmacSha1Signature(
      signatureBaseString('POST', `http://${host}${path}`, params),
      app.consumerSecret,
      token.accessTokenSecret,
    );
    const a = Buffer.from(expected),
      b = Buffer.from(given);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return fail('Invalid signature', ck);
    if (!this.useNonce(`${ck}&${token.accessToken}&${nonce}`, ts, nowS)) return fail('Nonce already used', ck);
    return { ok: true, kind: 'oauth1', app, token };
  }

  /**
   * An OAuth 1.0a request to X's sign-in endpoints: consumer key, timestamp, nonce and HMAC-SHA1
   * over the method, URL, query and form parameters and the header's oauth_* parameters. The
   * token, when there is one, is a request token whose secret `tokenSecret` knows.
   */
  private verifySigned(
    req: IncomingMessage,
    path: string,
    params: Array<[string, string]>,
    tokenSecret: (token: string) => string | undefined,
  ): { ok: true; oauth: Map<string, string> } | { ok: false; reason: string } {
    const header = req.headers.authorization ?? '';
    const fail = (reason: string) => ({ ok: false as const, reason: notAuthenticated(reason) });
    if (!/^oauth /i.test(header)) return fail('Unknown Authorization Type');
    const p = parseOAuthParams(header.slice(6));
    if (!p) return fail('Malformed OAuth Authorization header');
    const ck = p.get('oauth_consumer_key') ?? '';
    const app = this.apps.get(ck);
    if (!app) return fail('Consumer key not found');
    if (p.get('oauth_signature_method') !== 'HMAC-SHA1') return fail('Unsupported signature method');
    if (p.has('oauth_version') && p.get('oauth_version') !== '1.0') return fail('Unsupported OAuth version');
    const tsText = p.get('oauth_timestamp') ?? '';
    const ts = /^\d{1,12}$/.test(tsText) ? Number(tsText) : NaN;
    const nowS = Math.floor(Date.now() / 1000);
    if (!(Math.abs(nowS - ts) <= this.skew)) return fail('Timestamp out of bounds');
    const nonce = p.get('oauth_nonce');
    if (!nonce) return fail('Missing oauth_nonce');
    const token = p.get('oauth_token');
    const secret = token === undefined ? '' : tokenSecret(token);
    if (secret === undefined) return { ok: false, reason: 'Invalid request token.' };
    const signed: Array<[string, string]> = [...params];
    for (const [k, v] of p) if (k !== 'realm' && k !== 'oauth_signature') signed.push([k, v]);
    const host = (req.headers.host ?? this.baseUrl.slice(7)).toLowerCase().replace(/:80$/, '');
    const expected = hmacSha1Signature(
      signatureBaseString(req.method ?? 'POST', `http://${host}${path}`, signed),
      app.consumerSecret,
      secret,
    );
    const given = Buffer.from(p.get('oauth_signature') ?? '');
    if (given.length !== expected.length || !timingSafeEqual(Buffer.from(expected), given))
      return fail('Invalid signature');
    if (!this.useNonce(`${ck}&${token ?? ''}&${nonce}`, ts, nowS)) return fail('Nonce already used');
    return { ok: true, oauth: p };
  }

  /** A nonce is kept while its timestamp is still acceptable; after that the timestamp check rejects a replay. */
  private useNonce(key: string, ts: number, nowS: number): boolean {
    if (nowS !== this.lastNoncePrune) {
      this.lastNoncePrune = nowS;
      for (const [t, keys] of this.nonceByTs) {
        if (t >= nowS - this.skew) continue;
        for (const k of keys) if (this.nonceSeen.get(k) === t) this.nonceSeen.delete(k);
        this.nonceByTs.delete(t);
      }
    }
    if (this.nonceSeen.has(key)) return false;
    this.nonceSeen.set(key, ts);
    const list = this.nonceByTs.get(ts);
    if (list) list.push(key);
    else this.nonceByTs.set(ts, [key]);
    return true;
  }

  /** Fixed windows that open at a key's first call, so a test never straddles a wall-clock minute. */
  private window(key: string, now: number): { start: number; used: number } {
    let w = this.windows.get(key);
    if (!w || now - w.start >= 60_000) this.windows.set(key, (w = { start: now, used: 0 }));
    return w;
  }

  private peekRemaining(key: string | undefined, now: number): number {
    const w = key === undefined ? undefined : this.windows.get(key);
    return w && now - w.start < 60_000 ? Math.max(0, this.limit - w.used) : this.limit;
  }

  /** Remaining after this call, or -1 when over the limit (refused calls don't count). */
  private consume(key: string, now: number): number {
    const w = this.window(key, now);
    if (w.used >= this.limit) return -1;
    return this.limit - ++w.used;
  }

  private record(call: ReceivedCall): void {
    this.received.push(call);
    if (this.received.length >= 2 * this.maxReceived) this.received.splice(0, this.received.length - this.maxReceived);
  }

  private later(ms: number, fn: () => void): void {
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private send(req: IncomingMessage, res: ServerResponse, answer: Answer, remaining: number): void {
    const headers: Record<string, string | number> = {
      'content-type': 'application/json; charset=utf-8',
      'x-per-minute-limit': this.limit,
      'x-per-minute-remaining': remaining,
    };
    const json = Buffer.from(JSON.stringify(answer.payload));
    const write = (buf: Buffer): void => {
      if (res.destroyed) return;
      res.writeHead(answer.status, { ...headers, 'content-length': buf.length });
      res.end(buf);
    };
    if (!this.opts.gzip || !/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return write(json);
    headers['content-encoding'] = 'gzip';
    headers.vary = 'accept-encoding';
    gzip(json, (err, zipped) => (err ? res.destroy(err) : write(zipped)));
  }
}
