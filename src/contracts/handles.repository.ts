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
    return this.repo.findOneBy({ appId, deletedAt: IsNull(), screenName: Raw((c) => `lower(${c}) = lower(:sn)`, { sn: screenName }) });
  }

  findLiveByTokenHash(accessTokenHash: string): Promise<HandleEntity | null> {
    return this.repo.findOneBy({ accessTokenHash, deletedAt: IsNull() });
  }

  listLive(appId: string): Promise<HandleEntity[]> {
    return this.repo.find({ where: { appId, deletedAt: IsNull() }, order: { createdAt: 'ASC' } });
  }

  /**
   * The user ID each reference names among the live handles of `appIds`, in one set-based query
   * (a preflight asks about up to 10,000 at once). A reference has a lowercased screen name and,
   * when it is all digits (and not written with "@"), a user ID, which is tried first: a screen
   * name may be all digits too. Returns the index of each reference that names a handle.
   */
  async resolveRefs(appIds: string[], refs: { name: string; userId: string | null }[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    if (!appIds.length || !refs.length) return out;
    // One index probe per reference (by user ID; by name only when the ID found nothing). The
    // planner's cost for 10,000 probes is past jit_above_cost, and compiling the plan would take
    // far longer than running it (about 0.5 s against a few tens of ms).
    const rows: { i: number; user_id: string }[] = await this.repo.manager.transaction(async (m) => {
      await m.query('SET LOCAL jit = off');
      return m.query(
        `SELECT r.i::int AS i, coalesce(by_id.user_id, by_name.user_id)::text AS user_id
           FROM unnest($2::text[], $3::bigint[]) WITH ORDINALITY AS r (name, uid, i)
           LEFT JOIN LATERAL (SELECT h.user_id FROM handles h
                               WHERE h.user_id = r.uid AND h.app_id = ANY($1::uuid[]) AND h.deleted_at IS NULL LIMIT 1) by_id ON true
           LEFT JOIN LATERAL (SELECT h.user_id FROM handles h
                               WHERE by_id.user_id IS NULL AND lower(h.screen_name) = r.name AND h.app_id = ANY($1::uuid[])
                                 AND h.deleted_at IS NULL LIMIT 1) by_name ON true
          WHERE by_id.user_id IS NOT NULL OR by_name.user_id IS NOT NULL`,
        [appIds, refs.map((r) => r.name), refs.map((r) => r.userId)],
      );
    });
    for (const r of rows) out.set(r.i - 1, r.user_id);
    return out;
  }

  /** The live handle of `appId` with this user ID, locked for an update of its tokens (a connected handle that exists already). */
  findLiveByUserIdForUpdate(appId: string, userId: string, manager: EntityManager): Promise<HandleEntity | null> {
    return manager.getRepository(HandleEntity).findOne({ where: { appId, userId, deletedAt: IsNull() }, lock: { mode: 'pessimistic_write' } });
  }

  /** New tokens for a handle already registered (a handle connected again). */
  async replaceTokens(handleId: string, fields: Pick<HandleEntity, 'screenName' | 'accessTokenEnc' | 'accessTokenSecretEnc' | 'accessTokenHash' | 'tokenHint'>, manager: EntityManager): Promise<HandleEntity> {
    const repo = manager.getRepository(HandleEntity);
    await repo.update({ id: handleId }, fields);
    return repo.findOneByOrFail({ id: handleId });
  }

  insert(handle: Partial<HandleEntity>, manager: EntityManager): Promise<HandleEntity> {
    const repo = manager.getRepository(HandleEntity);
    return repo.save(repo.create(handle));
  }

  /** Destroys the tokens (not just hides them) and keeps the row for history. */
  async destroyTokens(handleId: string, manager: EntityManager): Promise<void> {
    await manager.getRepository(HandleEntity).update(
      { id: handleId },
      { deletedAt: () => 'now()', accessTokenEnc: null, accessTokenSecretEnc: null, accessTokenHash: null },
    );
  }
}
