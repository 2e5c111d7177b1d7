import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { ApiKeysService } from '../auth/api-keys.service';
import { fitsBigint } from '../common/bigint-id';
import { ConflictError, NotFoundError, ValidationFailedError } from '../common/errors';
import { isUniqueViolation } from '../common/pg-errors';
import { hint, SecretBox, sha256 } from '../common/secret-box';
import { AppEntity } from './app.entity';
import { AppsRepository } from './apps.repository';
import { ContractsRepository } from './contracts.repository';
import { ContractsService } from './contracts.service';
import { CredentialsCache } from './credentials-cache';
import { CreateAppDto, UpdateAppDto } from './dto/app.dto';
import { CreateHandleDto } from './dto/handle.dto';
import { HandleEntity } from './handle.entity';
import { HandlesRepository } from './handles.repository';

/** Apps (X consumer credentials) and their handles (user access tokens). Secrets go in sealed and never come out. */
@Injectable()
export class AppsService {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly apps: AppsRepository,
    private readonly handles: HandlesRepository,
    private readonly contractsRepo: ContractsRepository,
    private readonly contracts: ContractsService,
    private readonly box: SecretBox,
    private readonly audit: AuditService,
    private readonly credentials: CredentialsCache,
  ) {}

  async createApp(contractId: string, dto: CreateAppDto, actorKeyId: string) {
    await this.contracts.getEntity(contractId);
    try {
      const app = await this.contractsRepo.transaction(async (m) => {
        const a = await this.apps.insert(
          {
            contractId,
            name: dto.name,
            consumerKey: dto.consumerKey,
            consumerSecretEnc: this.box.seal(dto.consumerSecret),
            bearerTokenEnc: dto.bearerToken ? this.box.seal(dto.bearerToken) : null,
            bearerTokenHash: dto.bearerToken ? sha256(dto.bearerToken) : null,
          },
          m,
        );
        await this.audit.record(
          {
            actorKeyId,
            action: 'create',
            entity: 'app',
            entityId: a.id,
            changes: { contractId, name: dto.name, consumerKey: dto.consumerKey, secrets: secretFields(dto) },
          },
          m,
        );
        return a;
      });
      // A drop-in client may have tried this consumer key before it was registered: that miss is cached.
      this.credentials.invalidateApp(app.id);
      return toAppView(app);
    } catch (e) {
      if (isUniqueViolation(e))
        throw new ConflictError(`An app with consumer key ${dto.consumerKey} is already registered.`, {
          consumerKey: dto.consumerKey,
        });
      throw e;
    }
  }

  /** Live apps; with `includeDeleted`, the deleted ones too (their history still names them). Never a secret. */
  async listApps(contractId: string, includeDeleted = false) {
    await this.contracts.getEntity(contractId);
    return (await this.apps.listByContract(contractId, includeDeleted)).map(toAppView);
  }

  /** Rename, rotate the consumer secret or the bearer token (null removes it); the gateway uses the new ones at once. */
  async updateApp(appId: string, dto: UpdateAppDto, actorKeyId: string) {
    const app = await this.getApp(appId);
    const changes: Partial<AppEntity> = {};
    const audit: Record<string, unknown> = {};
    const rotated: string[] = [];
    if (dto.name !== undefined && dto.name !== app.name) {
      changes.name = dto.name;
      audit.name = { from: app.name, to: dto.name };
    }
    if (dto.consumerSecret !== undefined) {
      changes.consumerSecretEnc = this.box.seal(dto.consumerSecret);
      rotated.push('consumerSecret');
    }
    if (dto.bearerToken === null) {
      Object.assign(changes, { bearerTokenEnc: null, bearerTokenHash: null });
      if (app.bearerTokenEnc) audit.bearerTokenRemoved = true;
    } else if (dto.bearerToken !== undefined) {
      Object.assign(changes, {
        bearerTokenEnc: this.box.seal(dto.bearerToken),
        bearerTokenHash: sha256(dto.bearerToken),
      });
      rotated.push('bearerToken');
    }
    if (rotated.length) audit.secrets = rotated;
    if (!Object.keys(changes).length) return toAppView(app);
    try {
      await this.contractsRepo.transaction(async (m) => {
        await this.apps.update(appId, changes, m);
        await this.audit.record({ actorKeyId, action: 'update', entity: 'app', entityId: appId, changes: audit }, m);
      });
    } catch (e) {
      if (isUniqueViolation(e))
        throw new ConflictError('Another app already has this bearer token.', {
          bearerToken: 'already registered on another app',
        });
      throw e;
    }
    // The gateway caches decrypted credentials: the old secret must stop working now, not in a few seconds.
    this.credentials.invalidateApp(appId);
    return toAppView(await this.getApp(appId));
  }

  /**
   * Secrets and every handle's tokens destroyed, client keys bound to it revoked, the consumer key
   * free to register again; its calls, counts and statements stay (they are what was billed).
   */
  async deleteApp(appId: string, actorKeyId: string): Promise<void> {
    const app = await this.getApp(appId);
    const after = await this.contractsRepo.transaction(async (m) => {
      await this.apps.destroy(appId, m);
      const handles = await this.handles.destroyAllTokens(appId, m);
      // The client keys bound to it go in the same transaction (the auth module owns api_keys).
      const keysRevoked = await this.apiKeys.revokeForDeletedApp(appId, actorKeyId, m);
      await this.audit.record(
        {
          actorKeyId,
          action: 'delete',
          entity: 'app',
          entityId: appId,
          changes: {
            contractId: app.contractId,
            name: app.name,
            consumerKey: app.consumerKey,
            handlesRemoved: handles,
          },
        },
        m,
      );
      return keysRevoked;
    });
    this.credentials.invalidateApp(appId);
    after();
  }

  /** A contract's live apps, for what is broken down or checked per app (chargeback, preflight). */
  liveApps(contractId: string): Promise<AppEntity[]> {
    return this.apps.listByContract(contractId);
  }

  async getApp(appId: string): Promise<AppEntity> {
    const app = await this.apps.findById(appId);
    if (!app) throw new NotFoundError('App', appId);
    return app;
  }

  async getAppView(appId: string) {
    return toAppView(await this.getApp(appId));
  }

  async addHandle(appId: string, dto: CreateHandleDto, actorKeyId: string) {
    await this.getApp(appId);
    const userId = dto.userId ?? userIdFromToken(dto.accessToken);
    const screenName = dto.screenName.replace(/^@/, '');
    return this.saveHandle(
      appId,
      async (m) => ({
        handle: await this.handles.insert(
          { appId, userId, ...this.sealedHandle(screenName, dto.accessToken, dto.accessTokenSecret) },
          m,
        ),
        action: 'create',
      }),
      { actorKeyId, changes: { appId, userId, screenName } },
      {
        message: `This app already has a handle with user ID ${userId}, screen name @${screenName}, or this access token.`,
        details: { userId, screenName },
      },
    );
  }

  /**
   * A handle connected through X's sign-in (src/connect): registered exactly as addHandle does or,
   * when the app has this user already, given the new tokens (and the screen name X now reports).
   */
  async connectHandle(appId: string, t: ConnectedTokens, actorKeyId: string | null) {
    await this.getApp(appId);
    const screenName = t.screenName.replace(/^@/, '');
    const sealed = this.sealedHandle(screenName, t.accessToken, t.accessTokenSecret);
    return this.saveHandle(
      appId,
      async (m) => {
        const existing = await this.handles.findLiveByUserIdForUpdate(appId, t.userId, m);
        return existing
          ? { handle: await this.handles.replaceTokens(existing.id, sealed, m), action: 'update' }
          : { handle: await this.handles.insert({ appId, userId: t.userId, ...sealed }, m), action: 'create' };
      },
      { actorKeyId, changes: { appId, userId: t.userId, screenName, via: 'connect' } },
      {
        message: `This app already has another handle with screen name @${screenName}, or this access token.`,
        details: { userId: t.userId, screenName },
      },
    );
  }

  async listHandles(appId: string) {
    await this.getApp(appId);
    return (await this.handles.listLive(appId)).map(toHandleView);
  }

  /**
   * A handle written with its audit row in one transaction, then the app's cached credentials
   * dropped so the gateway signs with the new tokens at once. A unique violation (the app has
   * this user, screen name or access token already) is `conflict`.
   */
  private async saveHandle(
    appId: string,
    write: (m: EntityManager) => Promise<{ handle: HandleEntity; action: 'create' | 'update' }>,
    audit: { actorKeyId: string | null; changes: Record<string, unknown> },
    conflict: { message: string; details: Record<string, unknown> },
  ) {
    try {
      const handle = await this.contractsRepo.transaction(async (m) => {
        const { handle: h, action } = await write(m);
        await this.audit.record(
          {
            actorKeyId: audit.actorKeyId,
            action,
            entity: 'handle',
            entityId: h.id,
            changes: { ...audit.changes, secrets: ['accessToken', 'accessTokenSecret'] },
          },
          m,
        );
        return h;
      });
      this.credentials.invalidateApp(appId);
      return toHandleView(handle);
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictError(conflict.message, conflict.details);
      throw e;
    }
  }

  private sealedHandle(screenName: string, accessToken: string, accessTokenSecret: string) {
    return {
      screenName,
      accessTokenEnc: this.box.seal(accessToken),
      accessTokenSecretEnc: this.box.seal(accessTokenSecret),
      accessTokenHash: sha256(accessToken),
      tokenHint: hint(accessToken),
    };
  }

  async deleteHandle(appId: string, handleId: string, actorKeyId: string): Promise<void> {
    const h = await this.handles.findLive(appId, handleId);
    if (!h) throw new NotFoundError('Handle', handleId);
    await this.contractsRepo.transaction(async (m) => {
      await this.handles.destroyTokens(handleId, m);
      await this.audit.record(
        {
          actorKeyId,
          action: 'delete',
          entity: 'handle',
          entityId: handleId,
          changes: { appId, userId: h.userId, screenName: h.screenName },
        },
        m,
      );
    });
    this.credentials.invalidateApp(appId);
  }
}

/** What X's access_token exchange returns for a handle that approved the app. */
export interface ConnectedTokens {
  userId: string;
  screenName: string;
  accessToken: string;
  accessTokenSecret: string;
}

/** X's access tokens start with the user's numeric ID and a dash (`6253282-eWud…`); not guaranteed, so userId wins when given. */
function userIdFromToken(token: string): string {
  const m = /^([1-9]\d{0,18})-/.exec(token);
  if (!m || !fitsBigint(m[1])) {
    throw new ValidationFailedError(
      'The access token has no numeric user-ID prefix; send the userId X returned with the token.',
      { userId: 'required when the access token does not start with "<digits>-"' },
    );
  }
  return m[1];
}

function secretFields(dto: CreateAppDto): string[] {
  return dto.bearerToken ? ['consumerSecret', 'bearerToken'] : ['consumerSecret'];
}

export function toAppView(a: AppEntity) {
  return {
    id: a.id,
    contractId: a.contractId,
    name: a.name,
    consumerKey: a.consumerKey,
    hasBearerToken: a.bearerTokenEnc !== null,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
    deletedAt: a.deletedAt,
  };
}

export function toHandleView(h: HandleEntity) {
  return {
    id: h.id,
    appId: h.appId,
    userId: h.userId,
    screenName: h.screenName,
    tokenHint: h.tokenHint,
    createdAt: h.createdAt,
  };
}
