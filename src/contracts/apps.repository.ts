import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { AppEntity } from './app.entity';

@Injectable()
export class AppsRepository {
  constructor(@InjectRepository(AppEntity) private readonly repo: Repository<AppEntity>) {}

  /** A live app: a deleted one is history, not something to call through or change. */
  findById(id: string): Promise<AppEntity | null> {
    return this.repo.findOneBy({ id, deletedAt: IsNull() });
  }

  findByConsumerKey(consumerKey: string): Promise<AppEntity | null> {
    return this.repo.findOneBy({ consumerKey, deletedAt: IsNull() });
  }

  findByBearerHash(bearerTokenHash: string): Promise<AppEntity | null> {
    return this.repo.findOneBy({ bearerTokenHash, deletedAt: IsNull() });
  }

  /** Live apps, and with `deleted` the deleted ones too (their usage history still names them). */
  listByContract(contractId: string, deleted = false): Promise<AppEntity[]> {
    return this.repo.find({
      where: deleted ? { contractId } : { contractId, deletedAt: IsNull() },
      order: { createdAt: 'ASC' },
    });
  }

  async update(id: string, changes: Partial<AppEntity>, manager: EntityManager): Promise<void> {
    await manager.getRepository(AppEntity).update({ id, deletedAt: IsNull() }, changes);
  }

  /** Destroys the secrets (not just hides them) and frees the consumer key; the row stays for history. */
  async destroy(id: string, manager: EntityManager): Promise<void> {
    await manager
      .getRepository(AppEntity)
      .update(
        { id },
        { deletedAt: () => 'now()', consumerSecretEnc: null, bearerTokenEnc: null, bearerTokenHash: null },
      );
  }

  insert(app: Partial<AppEntity>, manager: EntityManager): Promise<AppEntity> {
    const repo = manager.getRepository(AppEntity);
    return repo.save(repo.create(app));
  }
}
