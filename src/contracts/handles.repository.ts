import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Raw, Repository } from 'typeorm';
import { fitsBigint } from '../common/bigint-id';
import { HandleEntity } from './handle.entity';

@Injectable()
export class HandlesRepository {
  constructor(@InjectRepository(HandleEntity) private readonly repo: Repository<HandleEntity>) {}

  findLive(appId: string, handleId: string): Promise<HandleEntity | null> {
    return this.repo.findOneBy({ id: handleId, appId, deletedAt: IsNull() });
  }

  findLiveByUserId(appId: string, userId: string): Promise<HandleEntity | null> {
    // A number past bigint names no handle (and PostgreSQL would refuse to compare it).
    if (!fitsBigint(userId)) return Promise.resolve(null);
    return this.repo.findOneBy({ appId, userId, deletedAt: IsNull() });
  }

  findLiveByScreenName(appId: string, screenName: string): Promise<HandleEntity | null> {
    return this.repo.findOneBy({
      appId,
      deletedAt: IsNull(),
      screenName: Raw((c) => `lower(${c}) = lower(:sn)`, { sn: screenName }),
    });
  }

  findLiveByTokenHash(accessTokenHash: string): Promise<HandleEntity | null> {
    return this.repo.findOneBy({ accessTokenHash, deletedAt: IsNull() });
  }

  listLive(appId: string): Promise<HandleEntity[]> {
    return this.repo.find({ where: { appId, deletedAt: IsNull() }, order: { createdAt: 'ASC' } });
  }

  /** The live handle of `appId` with this user ID, locked for an update of its tokens (a connected handle that exists already). */
  findLiveByUserIdForUpdate(appId: string, userId: string, manager: EntityManager): Promise<HandleEntity | null> {
    return manager
      .getRepository(HandleEntity)
      .findOne({ where: { appId, userId, deletedAt: IsNull() }, lock: { mode: 'pessimistic_write' } });
  }

  /** New tokens for a handle already registered (a handle connected again). */
  async replaceTokens(
    handleId: string,
    fields: Pick<
      HandleEntity,
      'screenName' | 'accessTokenEnc' | 'accessTokenSecretEnc' | 'accessTokenHash' | 'tokenHint'
    >,
    manager: EntityManager,
  ): Promise<HandleEntity> {
    const repo = manager.getRepository(HandleEntity);
    await repo.update({ id: handleId }, fields);
    return repo.findOneByOrFail({ id: handleId });
  }

  insert(handle: Partial<HandleEntity>, manager: EntityManager): Promise<HandleEntity> {
    const repo = manager.getRepository(HandleEntity);
    return repo.save(repo.create(handle));
  }

  /** Every live handle of a deleted app: tokens destroyed, rows kept. */
  async destroyAllTokens(appId: string, manager: EntityManager): Promise<number> {
    const r = await manager
      .getRepository(HandleEntity)
      .update(
        { appId, deletedAt: IsNull() },
        { deletedAt: () => 'now()', accessTokenEnc: null, accessTokenSecretEnc: null, accessTokenHash: null },
      );
    return r.affected ?? 0;
  }

  /** Destroys the tokens (not just hides them) and keeps the row for history. */
  async destroyTokens(handleId: string, manager: EntityManager): Promise<void> {
    await manager
      .getRepository(HandleEntity)
      .update(
        { id: handleId },
        { deletedAt: () => 'now()', accessTokenEnc: null, accessTokenSecretEnc: null, accessTokenHash: null },
      );
  }
}
