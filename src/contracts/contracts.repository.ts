import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { ContractEntity } from './contract.entity';

@Injectable()
export class ContractsRepository {
  constructor(@InjectRepository(ContractEntity) private readonly repo: Repository<ContractEntity>) {}

  findById(id: string): Promise<ContractEntity | null> {
    return this.repo.findOneBy({ id });
  }

  list(): Promise<ContractEntity[]> {
    return this.repo.find({ order: { createdAt: 'ASC' } });
  }

  save(contract: ContractEntity, manager?: EntityManager): Promise<ContractEntity> {
    return (manager ? manager.getRepository(ContractEntity) : this.repo).save(contract);
  }

  create(fields: Partial<ContractEntity>): ContractEntity {
    return this.repo.create(fields);
  }

  /** Whether any usage was recorded: once it is, the period boundaries (time zone, billing day) are fixed. */
  async hasUsage(contractId: string): Promise<boolean> {
    const rows = await this.repo.query<unknown[]>('SELECT 1 FROM period_counters WHERE contract_id = $1 LIMIT 1', [
      contractId,
    ]);
    return rows.length > 0;
  }

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.repo.manager.transaction(fn);
  }
}
