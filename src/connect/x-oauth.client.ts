import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { AppCredentials } from '../contracts/credentials-cache';
import {
  baseStringUri,
  hmacSha1,
  Param,
  parseFormEncoded,
  percentEncode,
  signatureBaseString,
} from '../gateway/drop-in/oauth1';
import { XOAuthError } from './connect.errors';

/** X's answers are a few hundred bytes; anything much longer is not an answer to read. */
const MAX_ANSWER_CHARS = 8192;

export interface RequestToken {
  token: string;
  secret: string;
}

export interface AccessToken {
  accessToken: string;
  accessTokenSecret: string;
  userId: string;
  screenName: string;
}

/** The two server-to-server legs of X's sign-in (3-legged OAuth 1.0a), signed with HMAC-SHA1 (RFC 5849). */
@Injectable()
export class XOAuthClient {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** `POST /oauth/request_token`, signed with the app's consumer key alone; `callback` is a URL or `oob`. */
  async requestToken(app: AppCredentials, callback: string): Promise<RequestToken> {
    const answer = await this.post('request_token', app, null, [['oauth_callback', callback]]);
    const token = answer.get('oauth_token');
    const secret = answer.get('oauth_token_secret');
    if (!token || !secret || answer.get('oauth_callback_confirmed') !== 'true')
      throw new XOAuthError('request_token', 'the answer has no request token or does not confirm the callback', 200);
    return { token, secret };
  }

  /** `POST /oauth/access_token`: the approved request token and its verifier for the handle's access token. */
  async accessToken(app: AppCredentials, request: RequestToken, verifier: string): Promise<AccessToken> {
    const answer = await this.post('access_token', app, request, [['oauth_verifier', verifier]]);
    const t = {
      accessToken: answer.get('oauth_token'),
      accessTokenSecret: answer.get('oauth_token_secret'),
      userId: answer.get('user_id'),
      screenName: answer.get('screen_name'),
    };
    if (
      !t.accessToken ||
      !t.accessTokenSecret ||
      !t.userId ||
      !/^[1-9]\d{0,18}$/.test(t.userId) ||
      !t.screenName ||
      !/^[A-Za-z0-9_]{1,50}$/.test(t.screenName)
    ) {
      throw new XOAuthError(
        'access_token',
        'the answer lacks oauth_token, oauth_token_secret, a numeric user_id or a screen_name',
        200,
      );
    }
    return t as AccessToken;
  }

  private async post(
    step: 'request_token' | 'access_token',
    app: AppCredentials,
    token: RequestToken | null,
    extra: Param[],
  ): Promise<Map<string, string>> {
    const url = `${this.config.xOauthBaseUrl}/oauth/${step}`;
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          Authorization: this.authorization(url, app, token, extra),
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.upstreamTimeoutMs),
      });
      text = (await res.text()).slice(0, MAX_ANSWER_CHARS);
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      throw new XOAuthError(step, cause ?? (e as Error).name);
    }
    if (res.status !== 200) throw new XOAuthError(step, reasonOf(text), res.status);
    return new Map(parseFormEncoded(text.trim()) ?? []);
  }

  /** §3.5.1: the oauth_* parameters (the callback or verifier among them) signed and sent in the header. */
  private authorization(url: string, app: AppCredentials, token: RequestToken | null, extra: Param[]): string {
    const oauth: Param[] = [
      ['oauth_consumer_key', app.consumerKey],
      ['oauth_nonce', randomBytes(16).toString('hex')],
      ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_timestamp', String(Math.floor(Date.now() / 1000))],
      ['oauth_version', '1.0'],
      ...(token ? ([['oauth_token', token.token]] as Param[]) : []),
      ...extra,
    ];
    // §3.4.1.2: the base string's URI has the scheme and host in lowercase and no default port.
    const signature = hmacSha1(
      signatureBaseString('POST', baseStringUri(url, '') ?? url, oauth),
      app.consumerSecret,
      token?.secret ?? '',
    );
    return (
      'OAuth ' +
      [...oauth, ['oauth_signature', signature]].map(([k, v]) => `${percentEncode(k)}="${percentEncode(v)}"`).join(', ')
    );
  }
}

/** X's refusal as a short line: its JSON `errors[0].message`, else the start of its text. */
function reasonOf(text: string): string {
  try {
    const j = JSON.parse(text) as { errors?: { message?: string }[] };
    if (j.errors?.[0]?.message) return j.errors[0].message.slice(0, 300);
  } catch {
    /* not JSON: X's token endpoints answer in text */
  }
  return (
    text
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 300) || 'no reason given'
  );
}
