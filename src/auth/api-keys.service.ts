import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import * as crypto from 'node:crypto';
import { AuditService } from '../audit/audit.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { NotFoundError, ValidationFailedError } from '../common/errors';
import { hint, sha256 } from '../common/secret-box';
import { TtlCache } from '../common/ttl-cache';
import { AppsService } from '../contracts/apps.service';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeysRepository } from './api-keys.repository';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { Principal } from './principal';

@Injectable()
export class ApiKeysService implements OnApplicationBootstrap, OnModuleInit {
  private readonly logger = new Logger('ApiKeys');
  /** Every request authenticates; revocations on this instance clear the entry at once. */
  private readonly cache = new TtlCache<string, Principal | null>(5_000);

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly apps: AppsService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A deleted app's client keys are revoked in the deletion's transaction, and stop working on this instance at once. */
  onModuleInit(): void {
    this.apps.onDelete(async (appId, actorKeyId, m) => {
      const revoked = await this.keys.revokeForApp(appId, m);
      for (const k of revoked) await this.audit.record({ actorKeyId, action: 'revoke', entity: 'api_key', entityId: k.id, changes: { name: k.name, role: 'client', reason: 'its app was deleted', appId } }, m);
      return () => revoked.forEach((k) => this.cache.delete(k.keyHash));
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const bootstrap = this.config.adminApiKey;
    if (bootstrap) {
      await this.keys.ensureAdmin(sha256(bootstrap), hint(bootstrap));
      return;
    }
    await this.keys.withBootstrapLock(async () => {
      if (await this.keys.hasActiveAdmin()) return;
      const key = newKey();
      await this.keys.insert({ name: 'generated at first start', role: 'admin', keyHash: sha256(key), keyHint: hint(key) });
      // Printed once, by design: there is no other way to get a first key without ADMIN_API_KEY.
      this.logger.warn(`No admin API key existed, so one was created. It is shown only now: ${key}`);
    });
  }

  authenticate(rawKey: string): Promise<Principal | null> {
    const keyHash = sha256(rawKey);
    return this.cache.get(keyHash, async () => {
      const k = await this.keys.findActiveByHash(keyHash);
      return k ? { keyId: k.id, role: k.role, appId: k.appId } : null;
    });
  }

  async create(dto: CreateApiKeyDto, actorKeyId: string): Promise<{ id: string; key: string; name: string; role: string; appId: string | null }> {
    if (dto.role === 'client' && !dto.appId) {
      throw new ValidationFailedError('A client key is bound to one app: send appId.', { appId: 'required for role client' });
    }
    if (dto.role !== 'client' && dto.appId) {
      throw new ValidationFailedError('Only client keys are bound to an app; leave appId out for admin and finance keys.', { appId: 'only for role client' });
    }
    if (dto.appId) await this.apps.getApp(dto.appId);
    const key = newKey();
    const saved = await this.keys.insert({ name: dto.name, role: dto.role, appId: dto.appId ?? null, keyHash: sha256(key), keyHint: hint(key), createdBy: actorKeyId });
    await this.audit.record({ actorKeyId, action: 'create', entity: 'api_key', entityId: saved.id, changes: { name: dto.name, role: dto.role, appId: dto.appId ?? null } });
    return { id: saved.id, key, name: saved.name, role: saved.role, appId: saved.appId };
  }

  async list() {
    return (await this.keys.list()).map(toKeyView);
  }

  async revoke(id: string, actorKeyId: string): Promise<void> {
    const k = await this.keys.findById(id);
    if (!k || k.revokedAt) throw new NotFoundError('API key', id);
    await this.keys.revoke(id);
    await this.audit.record({ actorKeyId, action: 'revoke', entity: 'api_key', entityId: id, changes: { name: k.name, role: k.role } });
    this.cache.delete(k.keyHash);
  }
}

/** 256 random bits; the prefix makes a leaked key easy to recognise in a scan. */
function newKey(): string {
  return `hm_${crypto.randomBytes(32).toString('base64url')}`;
}

function toKeyView(k: ApiKeyEntity) {
  return { id: k.id, name: k.name, role: k.role, appId: k.appId, keyHint: k.keyHint, createdAt: k.createdAt, revokedAt: k.revokedAt };
}
