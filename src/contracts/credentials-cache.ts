import { Injectable, Logger } from '@nestjs/common';
import { fitsBigint } from '../common/bigint-id';
import { SecretBox, sha256 } from '../common/secret-box';
import { TtlCache } from '../common/ttl-cache';
import { AppEntity } from './app.entity';
import { AppsRepository } from './apps.repository';
import { CredentialsUnreadableError } from './contracts.errors';
import { HandleEntity } from './handle.entity';
import { HandlesRepository } from './handles.repository';

const HANDLE_REF = /^@?[A-Za-z0-9_]{1,50}$/;

export interface AppCredentials {
  id: string;
  contractId: string;
  consumerKey: string;
  consumerSecret: string;
  bearerToken: string | null;
}

export interface HandleCredentials {
  id: string;
  userId: string;
  screenName: string;
  accessToken: string;
  accessTokenSecret: string;
}

/**
 * Decrypted credentials for the gateway, loaded once and kept in memory: decrypting and
 * querying per call would put two round trips and AES on the hot path. Local changes clear
 * the cache at once; the TTL bounds how long another instance's change goes unseen.
 */
@Injectable()
export class CredentialsCache {
  private readonly apps = new TtlCache<string, AppCredentials | null>(5_000);
  private readonly handles = new TtlCache<string, HandleCredentials | null>(5_000);
  // Drop-in lookups (a client's own X credentials). Keyed by the SHA-256 of what the request
  // carries, so an entry's size does not depend on the caller and no token sits in memory as a
  // key; each cache has a fixed size (TtlCache drops the oldest). Misses are cached too: an
  // unknown key or token sent again and again must not reach the database every time.
  private readonly appsByConsumerKey = new TtlCache<string, AppCredentials | null>(5_000);
  private readonly appsByBearerHash = new TtlCache<string, AppCredentials | null>(5_000);
  private readonly handlesByTokenHash = new TtlCache<string, { appId: string; handle: HandleCredentials } | null>(
    5_000,
  );
  private readonly logger = new Logger('Credentials');
  private readonly unreadableLoggedAt = new Map<string, number>();

  constructor(
    private readonly appsRepo: AppsRepository,
    private readonly handlesRepo: HandlesRepository,
    private readonly box: SecretBox,
  ) {}

  app(appId: string): Promise<AppCredentials | null> {
    return this.apps.get(appId, async () => {
      const a = await this.appsRepo.findById(appId);
      return a && this.appCredentials(a);
    });
  }

  /** The app whose consumer key signed a drop-in OAuth 1.0a request. */
  appByConsumerKey(consumerKey: string): Promise<AppCredentials | null> {
    return this.appsByConsumerKey.get(sha256(consumerKey), async () => {
      const a = await this.appsRepo.findByConsumerKey(consumerKey);
      return a && this.appCredentials(a);
    });
  }

  /** The app whose bearer token a drop-in request carries. */
  appByBearerToken(bearerToken: string): Promise<AppCredentials | null> {
    const hash = sha256(bearerToken);
    return this.appsByBearerHash.get(hash, async () => {
      const a = await this.appsRepo.findByBearerHash(hash);
      return a && this.appCredentials(a);
    });
  }

  /** A live handle of `appId` by the SHA-256 of its access token (a token of another app's handle is no match). */
  async handleByTokenHash(appId: string, accessTokenHash: string): Promise<HandleCredentials | null> {
    const hit = await this.handlesByTokenHash.get(accessTokenHash, async () => {
      const h = await this.handlesRepo.findLiveByTokenHash(accessTokenHash);
      const handle = h && this.handleCredentials(h);
      return handle && { appId: h.appId, handle };
    });
    return hit && hit.appId === appId ? hit.handle : null;
  }

  /** `ref` is what X-Handle carried: `@name`, `name`, or the numeric user ID. */
  handle(appId: string, ref: string): Promise<HandleCredentials | null> {
    // Nothing registered can look otherwise (CreateHandleDto: a screen name of 1-50 word characters,
    // or a user ID): refused unread, so a long header neither reaches the database nor the cache.
    if (!HANDLE_REF.test(ref)) return Promise.resolve(null);
    return this.handles.get(`${appId}|${ref.toLowerCase()}`, async () => {
      const byName = ref.startsWith('@');
      const name = byName ? ref.slice(1) : ref;
      let h = !byName && fitsBigint(ref) ? await this.handlesRepo.findLiveByUserId(appId, ref) : null;
      // A screen name may be all digits too, so a numeric ref that is no user ID is tried as a name.
      h ??= await this.handlesRepo.findLiveByScreenName(appId, name);
      return h && this.handleCredentials(h);
    });
  }

  invalidateApp(_appId: string): void {
    // Handle entries are keyed by reference, not id; admin changes are rare, so drop them all.
    this.handles.clear();
    this.handlesByTokenHash.clear();
    this.appsByConsumerKey.clear();
    this.appsByBearerHash.clear();
    this.apps.delete(_appId);
  }

  private appCredentials(a: AppEntity): AppCredentials | null {
    if (a.deletedAt || !a.consumerSecretEnc) return null;
    return {
      id: a.id,
      contractId: a.contractId,
      consumerKey: a.consumerKey,
      consumerSecret: this.open(a.consumerSecretEnc, `app ${a.id}`),
      bearerToken: a.bearerTokenEnc ? this.open(a.bearerTokenEnc, `app ${a.id}`) : null,
    };
  }

  private handleCredentials(h: HandleEntity): HandleCredentials | null {
    if (!h.accessTokenEnc || !h.accessTokenSecretEnc) return null;
    return {
      id: h.id,
      userId: h.userId,
      screenName: h.screenName,
      accessToken: this.open(h.accessTokenEnc, `handle ${h.id}`),
      accessTokenSecret: this.open(h.accessTokenSecretEnc, `handle ${h.id}`),
    };
  }

  /** A secret no configured key opens is an operator's problem to fix, not a bug: say so, and send nothing. */
  private open(sealed: string, owner: string): string {
    try {
      return this.box.open(sealed);
    } catch (e) {
      // Every call for this app fails until the key is fixed: one log line a minute says why.
      const now = Date.now();
      if ((this.unreadableLoggedAt.get(owner) ?? 0) < now - 60_000) {
        this.unreadableLoggedAt.set(owner, now);
        this.logger.error(`${owner}: ${(e as Error).message}; its calls are refused with 503 CREDENTIALS_UNREADABLE`);
      }
      throw new CredentialsUnreadableError(owner);
    }
  }
}
