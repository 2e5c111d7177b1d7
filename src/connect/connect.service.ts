import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, ValidationFailedError } from '../common/errors';
import { SecretBox, sha256 } from '../common/secret-box';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AppsService } from '../contracts/apps.service';
import { CredentialsCache } from '../contracts/credentials-cache';
import { requestOrigin } from '../gateway/drop-in/oauth1';
import { ConnectionNotFoundError } from './connect.errors';
import { ClaimedConnection, ConnectionsRepository } from './connections.repository';
import { XOAuthClient } from './x-oauth.client';

/** How long a link works: the request token is the callback's only credential, so not long. */
export const CONNECT_TTL_SECONDS = 15 * 60;

/**
 * Connecting a handle through X's own sign-in (3-legged OAuth 1.0a): an admin asks for a link,
 * the handle's owner approves on X, and the access token goes from X to the database without a
 * person ever seeing it. The request token and its secret are sealed while they wait and
 * destroyed when used; a link works once, for 15 minutes.
 */
@Injectable()
export class ConnectService {
  constructor(
    private readonly apps: AppsService,
    private readonly credentials: CredentialsCache,
    private readonly connections: ConnectionsRepository,
    private readonly x: XOAuthClient,
    private readonly box: SecretBox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `host`: the Host header, for the callback URL when PUBLIC_BASE_URL is not set. */
  async start(appId: string, oob: boolean, actorKeyId: string, host: string | undefined) {
    const app = await this.appCredentials(appId);
    const callback = oob ? 'oob' : `${this.origin(host)}/oauth/callback`;
    const rt = await this.x.requestToken(app, callback);
    await this.connections.destroyExpiredTokens();
    const row = await this.connections.insert({
      appId,
      requestTokenHash: sha256(rt.token),
      requestTokenEnc: this.box.seal(rt.token),
      requestTokenSecretEnc: this.box.seal(rt.secret),
      oob,
      createdBy: actorKeyId,
      ttlSeconds: CONNECT_TTL_SECONDS,
    });
    return { id: row.id, appId, authorizeUrl: this.authorizeUrl(rt.token), expiresAt: row.expiresAt, callback };
  }

  /** X's redirect after the owner decided: `oauth_token` + `oauth_verifier` when approved, `denied` when not. */
  async callback(q: { oauth_token?: string; oauth_verifier?: string; denied?: string }) {
    if (q.denied !== undefined) {
      const c = await this.claim({ requestTokenHash: sha256(q.denied) });
      await this.connections.finish(c.id, 'denied', null);
      return { denied: true as const, app: await this.apps.getAppView(c.appId) };
    }
    if (!q.oauth_token || !q.oauth_verifier) {
      throw new ValidationFailedError(
        'X sends oauth_token and oauth_verifier to this page; open the link you were given again.',
        {
          ...(q.oauth_token ? {} : { oauth_token: 'required' }),
          ...(q.oauth_verifier ? {} : { oauth_verifier: 'required' }),
        },
      );
    }
    const c = await this.claim({ requestTokenHash: sha256(q.oauth_token) });
    return { denied: false as const, ...(await this.complete(c, q.oauth_verifier)) };
  }

  /** The PIN flow (`oob`): the owner read the PIN on X, an admin sends it. */
  async pin(appId: string, connectId: string, pin: string) {
    const c = await this.claim({ id: connectId, appId });
    return (await this.complete(c, pin)).handle;
  }

  /** Links not used yet and not expired, with their authorize URLs (they are how the owner approves). */
  async pending(appId?: string) {
    if (appId) await this.apps.getApp(appId);
    return (await this.connections.pending(appId)).map((r) => ({
      id: r.id,
      appId: r.app_id,
      appName: r.app_name,
      contractId: r.contract_id,
      contractName: r.contract_name,
      callback: r.oob ? 'oob' : 'redirect',
      authorizeUrl: this.authorizeUrl(this.box.open(r.request_token_enc)),
      createdAt: r.created_at,
      expiresAt: r.expires_at,
    }));
  }

  private async complete(c: ClaimedConnection, verifier: string) {
    const app = await this.appCredentials(c.appId);
    let tokens;
    try {
      tokens = await this.x.accessToken(
        app,
        { token: this.box.open(c.requestTokenEnc), secret: this.box.open(c.requestTokenSecretEnc) },
        verifier,
      );
    } catch (e) {
      await this.connections.finish(c.id, 'refused', null);
      throw e;
    }
    const handle = await this.apps.connectHandle(c.appId, tokens, c.createdBy);
    await this.connections.finish(c.id, 'connected', handle.id);
    return { handle, app: await this.apps.getAppView(c.appId) };
  }

  private async claim(where: Parameters<ConnectionsRepository['claim']>[0]): Promise<ClaimedConnection> {
    const c = await this.connections.claim(where);
    if (!c) throw new ConnectionNotFoundError();
    return c;
  }

  private async appCredentials(appId: string) {
    const app = await this.credentials.app(appId);
    if (!app) throw new NotFoundError('App', appId);
    return app;
  }

  private authorizeUrl(requestToken: string): string {
    return `${this.config.xOauthBaseUrl}/oauth/authorize?oauth_token=${encodeURIComponent(requestToken)}`;
  }

  private origin(host: string | undefined): string {
    if (this.config.publicBaseUrl) return this.config.publicBaseUrl;
    const origin = requestOrigin('http', host);
    if (!origin)
      throw new ValidationFailedError(
        'The callback URL cannot be built from this request’s Host header; set PUBLIC_BASE_URL.',
        { host: 'must be a host and optional port' },
      );
    return origin;
  }
}
