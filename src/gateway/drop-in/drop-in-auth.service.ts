import { Inject, Injectable } from '@nestjs/common';
import { DropInPrincipal } from '../../auth/principal';
import { mediaType, RawBodyRequest } from '../../common/body-parsers';
import { sha256 } from '../../common/secret-box';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { CredentialsCache } from '../../contracts/credentials-cache';
import { DropInUnauthenticatedError } from './drop-in.errors';
import { NonceStore, TIMESTAMP_WINDOW_S } from './nonce-store';
import { hmacSha1, parseOAuthHeader, requestBaseString, requestOrigin, signaturesMatch } from './oauth1';

const MAX_NONCE_LENGTH = 255;
/**
 * What a credential can look like, as registration allows it (CreateAppDto, CreateHandleDto):
 * anything else cannot match a stored one, so it is refused before any look-up or cache entry.
 */
const CONSUMER_KEY = /^[\x21-\x7e]{1,200}$/;
const ACCESS_TOKEN_MAX = 500;
const BEARER_TOKEN_MAX = 2000;
/** Base64 of an HMAC-SHA1 is 28 characters; room for padding variants, no more. */
const SIGNATURE_MAX = 64;

/**
 * Authenticates a gateway request by the client's own X credentials (docs/api.md "Drop-in"): an
 * OAuth 1.0a HMAC-SHA1 signature for handlemeter's URL, checked with the stored secrets, or a
 * registered app's bearer token. Throws DropInUnauthenticatedError, which never says which of
 * consumer key, token or signature was wrong.
 */
@Injectable()
export class DropInAuthService {
  constructor(
    private readonly credentials: CredentialsCache,
    private readonly nonces: NonceStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async authenticate(req: RawBodyRequest): Promise<DropInPrincipal> {
    const header = req.headers.authorization ?? '';
    const sp = header.indexOf(' ');
    const scheme = (sp < 0 ? header : header.slice(0, sp)).toLowerCase();
    const rest = sp < 0 ? '' : header.slice(sp + 1);
    if (scheme === 'oauth') return this.oauth(req, rest);
    if (scheme === 'bearer') return this.bearer(rest.trim());
    throw new DropInUnauthenticatedError('scheme');
  }

  private async oauth(req: RawBodyRequest, headerParams: string): Promise<DropInPrincipal> {
    const p = parseOAuthHeader(headerParams);
    const consumerKey = p?.get('oauth_consumer_key');
    const token = p?.get('oauth_token');
    const nonce = p?.get('oauth_nonce');
    const signature = p?.get('oauth_signature');
    const timestamp = p?.get('oauth_timestamp') ?? '';
    if (
      !p ||
      !consumerKey ||
      !token ||
      !nonce ||
      !signature ||
      nonce.length > MAX_NONCE_LENGTH ||
      !CONSUMER_KEY.test(consumerKey) ||
      token.length > ACCESS_TOKEN_MAX ||
      signature.length > SIGNATURE_MAX ||
      p.get('oauth_signature_method') !== 'HMAC-SHA1' ||
      (p.has('oauth_version') && p.get('oauth_version') !== '1.0') ||
      !/^\d{1,12}$/.test(timestamp)
    ) {
      throw new DropInUnauthenticatedError('credentials');
    }
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > TIMESTAMP_WINDOW_S)
      throw new DropInUnauthenticatedError('timestamp');

    const tokenHash = sha256(token);
    const app = await this.credentials.appByConsumerKey(consumerKey);
    const handle = app ? await this.credentials.handleByTokenHash(app.id, tokenHash) : null;
    const base = this.baseString(req, p);
    // Sign even when the key or token is unknown, so that answer takes as long as a bad signature's.
    const expected = hmacSha1(base ?? '', app?.consumerSecret ?? '', handle?.accessTokenSecret ?? '');
    if (!app || !handle || base === null || !signaturesMatch(expected, signature))
      throw new DropInUnauthenticatedError('credentials');
    // Last, so that only a request that verifies can use up a nonce.
    if (!(await this.nonces.claim({ consumerKey, tokenHash, nonce }))) throw new DropInUnauthenticatedError('nonce');
    return { via: 'oauth', role: 'client', appId: app.id, app, handle };
  }

  private async bearer(token: string): Promise<DropInPrincipal> {
    const app = token && token.length <= BEARER_TOKEN_MAX ? await this.credentials.appByBearerToken(token) : null;
    if (!app) throw new DropInUnauthenticatedError('bearer');
    return { via: 'bearer', role: 'client', appId: app.id, app, handle: null };
  }

  /** For the URL the client called: PUBLIC_BASE_URL when set (behind a proxy), else this request's own scheme and Host. */
  private baseString(req: RawBodyRequest, oauth: Map<string, string>): string | null {
    const origin = this.config.publicBaseUrl ?? requestOrigin(req.protocol, req.headers.host);
    if (origin === null) return null;
    const form =
      mediaType(req) === 'application/x-www-form-urlencoded' && req.rawBody ? req.rawBody.toString('utf8') : undefined;
    return requestBaseString(req.method, origin, req.url, oauth, form);
  }
}
