import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { ApiKeyEntity, Role } from './api-key.entity';
import { DatabaseLock } from '../database/database-lock';

@Injectable()
export class ApiKeysRepository {
  constructor(@InjectRepository(ApiKeyEntity) private readonly repo: Repository<ApiKeyEntity>) {}

  findActiveByHash(keyHash: string): Promise<ApiKeyEntity | null> {
    return this.repo.findOneBy({ keyHash, revokedAt: IsNull(), bootstrap: false });
  }

  findActiveById(id: string): Promise<ApiKeyEntity | null> {
    return this.repo.findOneBy({ id, revokedAt: IsNull() });
  }

  listBootstrap(): Promise<ApiKeyEntity[]> {
    return this.repo.find({ where: { bootstrap: true }, order: { createdAt: 'ASC' } });
  }

  async setHash(id: string, keyHash: string): Promise<void> {
    await this.repo.update({ id }, { keyHash });
  }

  async restore(id: string): Promise<void> {
    await this.repo.update({ id }, { revokedAt: null });
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

  /**
   * A client key may be bound to a live app only. A read of the apps module's table, as a
   * foreign key would make (api_keys.app_id references apps), that also sees a deletion.
   */
  async isLiveApp(appId: string): Promise<boolean> {
    const [row] = await this.repo.query<{ live: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM apps WHERE id = $1 AND deleted_at IS NULL) AS live`,
      [appId],
    );
    return row.live;
  }

  /** Revokes every active client key bound to the app. */
  async revokeForApp(appId: string, m: EntityManager): Promise<{ id: string; name: string; keyHash: string }[]> {
    // TypeORM answers an UPDATE ... RETURNING with [rows, affected].
    const [rows]: [{ id: string; name: string; key_hash: string }[], number] = await m.query(
      `UPDATE api_keys SET revoked_at = now() WHERE app_id = $1 AND revoked_at IS NULL RETURNING id, name, key_hash`,
      [appId],
    );
    return rows.map((r) => ({ id: r.id, name: r.name, keyHash: r.key_hash }));
  }

  async hasActiveAdmin(): Promise<boolean> {
    return (await this.repo.countBy({ role: 'admin' as Role, revokedAt: IsNull() })) > 0;
  }

  /** Serialises the "no admin key yet" check between instances starting together. */
  async withBootstrapLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.repo.manager.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [DatabaseLock.AdminKeyBootstrap]);
      return fn();
    });
  }
}
