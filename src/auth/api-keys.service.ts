import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import * as crypto from 'node:crypto';
import { AuditService } from '../audit/audit.service';
import { API_KEY_FORMAT, APP_CONFIG, AppConfig } from '../config/app-config';
import { ConflictError, NotFoundError, ValidationFailedError } from '../common/errors';
import { hint, sha256 } from '../common/secret-box';
import { TtlCache } from '../common/ttl-cache';
import { EntityManager } from 'typeorm';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeysRepository } from './api-keys.repository';
import { hashBootstrapKey, verifyBootstrapKey } from './bootstrap-key-hash';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { Principal } from './principal';

@Injectable()
export class ApiKeysService implements OnApplicationBootstrap {
  private readonly logger = new Logger('ApiKeys');
  /**
   * Every request authenticates; revocations on this instance clear it at once. Keyed by the key's
   * SHA-256, never the key, and of fixed size (TtlCache drops its oldest entry when full).
   */
  private readonly cache = new TtlCache<string, Principal | null>(5_000);
  /** ADMIN_API_KEY's row and SHA-256, matched in memory: its stored hash is a slow one. */
  private bootstrap: { id: string; keyHash: string } | null = null;
  /** Caches of what a key grants (the dashboard's sessions), dropped with this one's. */
  private readonly dependentCaches: { clear(): void }[] = [];

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * A deleted app's client keys, revoked in the deletion's transaction `m` (the apps module calls
   * this). Returns what to run once it has committed, so that they stop working on this instance
   * at once (clearing the cache earlier would let a request re-cache a key still active).
   */
  async revokeForDeletedApp(appId: string, actorKeyId: string, m: EntityManager): Promise<() => void> {
    const revoked = await this.keys.revokeForApp(appId, m);
    for (const k of revoked)
      await this.audit.record(
        {
          actorKeyId,
          action: 'revoke',
          entity: 'api_key',
          entityId: k.id,
          changes: { name: k.name, role: 'client', reason: 'its app was deleted', appId },
        },
        m,
      );
    return () => revoked.forEach((k) => this.cache.delete(k.keyHash));
  }

  async onApplicationBootstrap(): Promise<void> {
    const bootstrap = this.config.adminApiKey;
    await this.keys.withBootstrapLock(async () => {
      if (bootstrap) {
        await this.ensureBootstrap(bootstrap);
        return;
      }
      if (await this.keys.hasActiveAdmin()) return;
      const key = newKey();
      await this.keys.insert({
        name: 'generated at first start',
        role: 'admin',
        keyHash: sha256(key),
        keyHint: hint(key),
      });
      // Printed once, by design: there is no other way to get a first key without ADMIN_API_KEY.
      this.logger.warn(`No admin API key existed, so one was created. It is shown only now: ${key}`);
    });
  }

  /**
   * The ADMIN_API_KEY key exists after start-up, unless it was revoked: a revocation lasts (only an
   * admin's POST /api-keys/:id/restore, audited, undoes it). Its row is found by trying the few
   * bootstrap rows' slow hashes once, here; requests are then matched in memory. An instance
   * accepts the bootstrap key it is configured with; earlier ADMIN_API_KEYs' rows stay until revoked.
   */
  private async ensureBootstrap(key: string): Promise<void> {
    let mine: ApiKeyEntity | null = null;
    for (const row of await this.keys.listBootstrap()) {
      const { ok, upgrade } = verifyBootstrapKey(row.keyHash, key);
      if (!ok) continue;
      mine = row;
      if (upgrade) await this.keys.setHash(row.id, hashBootstrapKey(key));
      break;
    }
    mine ??= await this.keys.insert({
      name: 'bootstrap (ADMIN_API_KEY)',
      role: 'admin',
      bootstrap: true,
      keyHash: hashBootstrapKey(key),
      keyHint: hint(key),
    });
    this.bootstrap = { id: mine.id, keyHash: sha256(key) };
    if (mine.revokedAt) {
      this.logger.warn(
        `ADMIN_API_KEY is revoked (API key ${mine.id}, since ${mine.revokedAt.toISOString()}), so it is refused. ` +
          `An admin can restore it (POST /api-keys/${mine.id}/restore), or set a new ADMIN_API_KEY.`,
      );
    }
  }

  /** null for an unknown, revoked or malformed key; a malformed one is refused unread. */
  authenticate(rawKey: string): Promise<Principal | null> {
    if (!API_KEY_FORMAT.test(rawKey)) return Promise.resolve(null);
    const keyHash = sha256(rawKey);
    const b = this.bootstrap;
    const isBootstrap = b !== null && crypto.timingSafeEqual(Buffer.from(keyHash), Buffer.from(b.keyHash));
    return this.cache.get(keyHash, async () => {
      const k = isBootstrap ? await this.keys.findActiveById(b.id) : await this.keys.findActiveByHash(keyHash);
      return k ? { keyId: k.id, role: k.role, appId: k.appId } : null;
    });
  }

  async create(
    dto: CreateApiKeyDto,
    actorKeyId: string,
  ): Promise<{ id: string; key: string; name: string; role: string; appId: string | null }> {
    if (dto.role === 'client' && !dto.appId) {
      throw new ValidationFailedError('A client key is bound to one app: send appId.', {
        appId: 'required for role client',
      });
    }
    if (dto.role !== 'client' && dto.appId) {
      throw new ValidationFailedError(
        'Only client keys are bound to an app; leave appId out for admin and finance keys.',
        { appId: 'only for role client' },
      );
    }
    if (dto.appId && !(await this.keys.isLiveApp(dto.appId))) throw new NotFoundError('App', dto.appId);
    const key = newKey();
    const saved = await this.keys.insert({
      name: dto.name,
      role: dto.role,
      appId: dto.appId ?? null,
      keyHash: sha256(key),
      keyHint: hint(key),
      createdBy: actorKeyId,
    });
    await this.audit.record({
      actorKeyId,
      action: 'create',
      entity: 'api_key',
      entityId: saved.id,
      changes: { name: dto.name, role: dto.role, appId: dto.appId ?? null },
    });
    return { id: saved.id, key, name: saved.name, role: saved.role, appId: saved.appId };
  }

  async list() {
    return (await this.keys.list()).map(toKeyView);
  }

  async revoke(id: string, actorKeyId: string): Promise<void> {
    const k = await this.keys.findById(id);
    if (!k || k.revokedAt) throw new NotFoundError('API key', id);
    await this.keys.revoke(id);
    await this.audit.record({
      actorKeyId,
      action: 'revoke',
      entity: 'api_key',
      entityId: id,
      changes: { name: k.name, role: k.role },
    });
    // Cached by the SHA-256 of the key, which for the bootstrap key is not the stored hash: drop all (revocations are rare).
    this.clearCaches();
  }

  /** `cache` holds what a key grants; a revocation or restore on this instance clears it at once, as it clears this service's own. */
  clearsWithKeys(cache: { clear(): void }): void {
    this.dependentCaches.push(cache);
  }

  private clearCaches(): void {
    this.cache.clear();
    for (const c of this.dependentCaches) c.clear();
  }

  /**
   * Undoes the revocation of the ADMIN_API_KEY key: the one way back for it (a restart does not
   * bring it back). Other keys stay revoked: a key that was revoked may have leaked, so create a new one.
   */
  async restore(id: string, actorKeyId: string) {
    const k = await this.keys.findById(id);
    if (!k) throw new NotFoundError('API key', id);
    if (!k.bootstrap)
      throw new ConflictError(
        'Only the ADMIN_API_KEY key can be restored; a revoked key may have leaked, so create a new one instead.',
        { id },
      );
    if (!k.revokedAt) throw new ConflictError('This key is not revoked.', { id });
    await this.keys.restore(id);
    await this.audit.record({
      actorKeyId,
      action: 'restore',
      entity: 'api_key',
      entityId: id,
      changes: { name: k.name, role: k.role, revokedAt: k.revokedAt },
    });
    this.clearCaches();
    return toKeyView({ ...k, revokedAt: null });
  }
}

/** 256 random bits; the prefix makes a leaked key easy to recognise in a scan. */
function newKey(): string {
  return `hm_${crypto.randomBytes(32).toString('base64url')}`;
}

function toKeyView(k: ApiKeyEntity) {
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    appId: k.appId,
    keyHint: k.keyHint,
    bootstrap: k.bootstrap,
    createdAt: k.createdAt,
    revokedAt: k.revokedAt,
  };
}
