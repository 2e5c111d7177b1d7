/**
 * X's 3-legged OAuth 1.0a sign-in, as the simulator serves it (docs/x-api-facts.md):
 * `POST /oauth/request_token`, `GET /oauth/authorize` (the approval page a handle's owner sees,
 * with the buttons the tests click), `POST /oauth/access_token`. Signatures are verified with
 * the simulator's own RFC 5849 code (x-simulator.ts), never handlemeter's.
 */
import { randomBytes } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

/** The X account signed in at the simulator's approval page: the handle that approves. */
export interface SimAccount {
  userId: string;
  screenName: string;
}

interface RequestToken {
  secret: string;
  consumerKey: string;
  callback: string;
  expiresAt: number;
  verifier?: string;
  account?: SimAccount;
  used: boolean;
}

/** What the OAuth endpoints need from the simulator around them. */
export interface OAuthHost {
  /** Registers an access token so the Engagement API endpoints accept it. */
  issueToken(t: {
    accessToken: string;
    accessTokenSecret: string;
    userId: string;
    screenName: string;
    consumerKey: string;
  }): void;
  /** Verifies the OAuth header of a request (timestamp, nonce, HMAC-SHA1); returns its parameters or X's reason. */
  verify(
    req: IncomingMessage,
    path: string,
    params: Array<[string, string]>,
    tokenSecret: (token: string) => string | undefined,
  ): { ok: true; oauth: Map<string, string> } | { ok: false; reason: string };
}

/** X keeps an unused request token for a while; 15 minutes is what handlemeter assumes too. */
const REQUEST_TOKEN_TTL_MS = 15 * 60_000;
const MAX_PENDING = 10_000;

export class XOAuthEndpoints {
  /** Who approves at the authorize page; tests set it before opening the link. */
  account: SimAccount = { userId: '1500000001', screenName: 'sim_owner' };
  private readonly requestTokens = new Map<string, RequestToken>();

  constructor(private readonly host: OAuthHost) {}

  /** True when the path is one of X's OAuth endpoints (and an answer has been sent). */
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: string, body: string): boolean {
    const form = req.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ? body : '';
    const params = [...parseForm(query), ...parseForm(form)];
    if (path === '/oauth/request_token' && req.method === 'POST') this.requestToken(req, res, path, params);
    else if (path === '/oauth/authorize' && req.method === 'GET')
      this.authorizePage(res, new Map(params).get('oauth_token') ?? '');
    else if (path === '/oauth/authorize' && req.method === 'POST') this.decide(res, new Map(params));
    else if (path === '/oauth/access_token' && req.method === 'POST') this.accessToken(req, res, path, params);
    else return false;
    return true;
  }

  private requestToken(req: IncomingMessage, res: ServerResponse, path: string, params: Array<[string, string]>): void {
    const v = this.host.verify(req, path, params, () => undefined);
    if (!v.ok) return text(res, 401, v.reason);
    const callback = v.oauth.get('oauth_callback') ?? new Map(params).get('oauth_callback');
    if (!callback || (callback !== 'oob' && !/^https?:\/\//.test(callback)))
      return text(res, 401, 'Callback URL not approved for this client application.');
    this.prune();
    const token = randomToken(32);
    const secret = randomToken(32);
    this.requestTokens.set(token, {
      secret,
      consumerKey: v.oauth.get('oauth_consumer_key')!,
      callback,
      expiresAt: Date.now() + REQUEST_TOKEN_TTL_MS,
      used: false,
    });
    text(res, 200, `oauth_token=${token}&oauth_token_secret=${secret}&oauth_callback_confirmed=true`);
  }

  private authorizePage(res: ServerResponse, token: string): void {
    const rt = this.live(token);
    if (!rt || rt.verifier)
      return page(
        res,
        400,
        '<h1>Whoa there!</h1><p id="invalid">The request token for this page is invalid. It may have already been used, or expired because it is too old.</p>',
      );
    page(
      res,
      200,
      `<h1>Authorize ${esc(rt.consumerKey)} to access your account?</h1>
<p>Signed in as <strong id="account">@${esc(this.account.screenName)}</strong></p>
<form method="post" action="/oauth/authorize"><input type="hidden" name="oauth_token" value="${esc(token)}">
<button id="allow" type="submit" name="decision" value="allow">Authorize app</button>
<button id="cancel" type="submit" name="decision" value="cancel">Cancel</button></form>`,
    );
  }

  private decide(res: ServerResponse, form: Map<string, string>): void {
    const token = form.get('oauth_token') ?? '';
    const rt = this.live(token);
    if (!rt || rt.verifier)
      return page(res, 400, '<h1>Whoa there!</h1><p id="invalid">The request token for this page is invalid.</p>');
    if (form.get('decision') !== 'allow') {
      rt.used = true;
      if (rt.callback === 'oob') return page(res, 200, '<p id="denied">You did not authorize the app.</p>');
      return redirect(res, `${rt.callback}${rt.callback.includes('?') ? '&' : '?'}denied=${encodeURIComponent(token)}`);
    }
    rt.account = { ...this.account };
    if (rt.callback === 'oob') {
      // X's PIN is the verifier: seven digits the owner types in where the app asks.
      rt.verifier = String(1_000_000 + (randomBytes(4).readUInt32BE() % 9_000_000));
      return page(
        res,
        200,
        `<p>You've granted access. Next, return and enter this PIN to complete the authorization process.</p><kbd id="oauth_pin">${rt.verifier}</kbd>`,
      );
    }
    rt.verifier = randomToken(32);
    redirect(
      res,
      `${rt.callback}${rt.callback.includes('?') ? '&' : '?'}oauth_token=${encodeURIComponent(token)}&oauth_verifier=${encodeURIComponent(rt.verifier)}`,
    );
  }

  private accessToken(req: IncomingMessage, res: ServerResponse, path: string, params: Array<[string, string]>): void {
    const v = this.host.verify(req, path, params, (token) => this.live(token)?.secret);
    if (!v.ok) return text(res, 401, v.reason);
    const token = v.oauth.get('oauth_token') ?? '';
    const rt = this.live(token);
    if (!rt || rt.consumerKey !== v.oauth.get('oauth_consumer_key')) return text(res, 401, 'Invalid request token.');
    const verifier = v.oauth.get('oauth_verifier') ?? new Map(params).get('oauth_verifier') ?? '';
    if (!rt.verifier || !rt.account || !same(rt.verifier, verifier))
      return text(res, 401, 'Error processing your OAuth request: Invalid oauth_verifier parameter');
    rt.used = true;
    const accessToken = `${rt.account.userId}-${randomToken(40)}`;
    const accessTokenSecret = randomToken(45);
    this.host.issueToken({
      accessToken,
      accessTokenSecret,
      userId: rt.account.userId,
      screenName: rt.account.screenName,
      consumerKey: rt.consumerKey,
    });
    text(
      res,
      200,
      `oauth_token=${accessToken}&oauth_token_secret=${accessTokenSecret}&user_id=${rt.account.userId}&screen_name=${encodeURIComponent(rt.account.screenName)}`,
    );
  }

  private live(token: string): RequestToken | undefined {
    const rt = this.requestTokens.get(token);
    return rt && !rt.used && rt.expiresAt > Date.now() ? rt : undefined;
  }

  /** Used and expired tokens go; a flood of requests cannot grow the map past MAX_PENDING. */
  private prune(): void {
    const now = Date.now();
    for (const [k, rt] of this.requestTokens) if (rt.used || rt.expiresAt <= now) this.requestTokens.delete(k);
    while (this.requestTokens.size >= MAX_PENDING) this.requestTokens.delete(this.requestTokens.keys().next().value!);
  }
}

function randomToken(length: number): string {
  return randomBytes(length).toString('base64url').slice(0, length);
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a),
    y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function parseForm(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const part of text.split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    try {
      out.push([
        decodeURIComponent((i < 0 ? part : part.slice(0, i)).replace(/\+/g, ' ')),
        decodeURIComponent((i < 0 ? '' : part.slice(i + 1)).replace(/\+/g, ' ')),
      ]);
    } catch {
      /* a malformed pair is no parameter */
    }
  }
  return out;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** X answers the token endpoints with form-encoded text (labelled text/html). */
function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function page(res: ServerResponse, status: number, body: string): void {
  text(
    res,
    status,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>X / Authorize an application</title></head><body>${body}</body></html>`,
  );
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'content-length': 0 });
  res.end();
}
