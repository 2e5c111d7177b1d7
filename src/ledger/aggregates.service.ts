import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CountPolicy } from '../contracts/contract.entity';
import { AggregatesRepository, AppActivity, OverageBoundary } from './aggregates.repository';

/**
 * What other modules read of the ledger's aggregates (a period's figures per app, where its
 * overage starts), so that they ask the ledger rather than its tables. `m`: the caller's
 * transaction, as the close reads them under its counter lock.
 */
@Injectable()
export class AggregatesService {
  constructor(private readonly repo: AggregatesRepository) {}

  perApp(contractId: string, periodStart: Date, policy: CountPolicy, m?: EntityManager): Promise<AppActivity[]> {
    return this.repo.perApp(contractId, periodStart, policy, m);
  }

  overageBoundary(
    contractId: string,
    periodStart: Date,
    policy: CountPolicy,
    allowance: number,
    m?: EntityManager,
  ): Promise<OverageBoundary> {
    return this.repo.overageBoundary(contractId, periodStart, policy, allowance, m);
  }

  overagePerApp(
    contractId: string,
    periodStart: Date,
    policy: CountPolicy,
    b: OverageBoundary,
    m?: EntityManager,
  ): Promise<Map<string, number>> {
    return this.repo.overagePerApp(contractId, periodStart, policy, b, m);
  }
}
