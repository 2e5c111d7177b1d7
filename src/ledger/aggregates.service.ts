import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CountPolicy } from '../contracts/contract.entity';
import { AggregatesRepository, AppActivity } from './aggregates.repository';
import { OverageBoundary } from './counting-order';

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

  /** The slot counts locate the boundary's slot; within it, the handle set's index the exact handle. */
  async overageBoundary(
    contractId: string,
    periodStart: Date,
    policy: CountPolicy,
    allowance: number,
    m?: EntityManager,
  ): Promise<OverageBoundary> {
    if (allowance <= 0) return { kind: 'all' };
    const reached = await this.repo.slotReaching(contractId, periodStart, policy, allowance, m);
    if (!reached) return { kind: 'none' };
    const { slot, before } = reached;
    const last = await this.repo.handleInSlot(contractId, periodStart, policy, slot, allowance - before - 1, m);
    if (!last)
      throw new Error(
        `ledger aggregates disagree with the handle set of ${contractId} ${periodStart.toISOString()} at ${slot.toISOString()}`,
      );
    return { kind: 'after', slot, ...last };
  }

  /** Overage handles per app (the app whose call counted them). */
  async overagePerApp(
    contractId: string,
    periodStart: Date,
    policy: CountPolicy,
    b: OverageBoundary,
    m?: EntityManager,
  ): Promise<Map<string, number>> {
    if (b.kind === 'none') return new Map();
    if (b.kind === 'all')
      return new Map((await this.perApp(contractId, periodStart, policy, m)).map((a) => [a.appId, a.counted]));
    return this.repo.overagePerAppAfter(contractId, periodStart, policy, b, m);
  }
}
