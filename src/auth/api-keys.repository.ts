import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { ApiKeyEntity, Role } from './api-key.entity';
import { DatabaseLock } from '../database/database-lock';

@Injectable()
export class ApiKeysRepository {
  constructor(@InjectRepository(ApiKeyEntity) private readonly repo: Repository<ApiKeyEntity>) {}

  findActiveByHash(keyHash: string): Promise<ApiKeyEntity | null> {
    return this.repo.findOneBy({ keyHash, revokedAt: IsNull() });
  }

  findById(id: string): Promise<ApiKeyEntity | null> {
    return this.repo.findOneBy({ id });
  }

  list(): Promise<ApiKeyEntity[]> {
    return this.repo.find({ order: { createdAt: 'DESC' } });
  }

  insert(key: Partial<ApiKeyEntity>): Promise<ApiKeyEntity> {
    return this.repo.save(this.repo.create(key));
  }

  async revoke(id: string): Promise<void> {
    await this.repo.update({ id, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
  }

  async hasActiveAdmin(): Promise<boolean> {
    return (await this.repo.countBy({ role: 'admin' as Role, revokedAt: IsNull() })) > 0;
  }

  /** Makes sure a key with this hash exists and is active (the ADMIN_API_KEY bootstrap). */
  async ensureAdmin(keyHash: string, keyHint: string): Promise<void> {
    await this.repo.query(
      `INSERT INTO api_keys (name, role, key_hash, key_hint) VALUES ('bootstrap (ADMIN_API_KEY)', 'admin', $1, $2)
       ON CONFLICT (key_hash) DO UPDATE SET revoked_at = NULL, role = 'admin', app_id = NULL`,
      [keyHash, keyHint],
    );
  }

  /** Serialises the "no admin key yet" check between instances starting together. */
  async withBootstrapLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.repo.manager.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [DatabaseLock.AdminKeyBootstrap]);
      return fn();
    });
  }
}
