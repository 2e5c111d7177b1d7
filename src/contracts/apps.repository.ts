import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { AppEntity } from './app.entity';

@Injectable()
export class AppsRepository {
  constructor(@InjectRepository(AppEntity) private readonly repo: Repository<AppEntity>) {}

  findById(id: string): Promise<AppEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByConsumerKey(consumerKey: string): Promise<AppEntity | null> {
    return this.repo.findOneBy({ consumerKey });
  }

  findByBearerHash(bearerTokenHash: string): Promise<AppEntity | null> {
    return this.repo.findOneBy({ bearerTokenHash });
  }

  listByContract(contractId: string): Promise<AppEntity[]> {
    return this.repo.find({ where: { contractId }, order: { createdAt: 'ASC' } });
  }

  insert(app: Partial<AppEntity>, manager: EntityManager): Promise<AppEntity> {
    const repo = manager.getRepository(AppEntity);
    return repo.save(repo.create(app));
  }
}
