import { Injectable } from '@nestjs/common';
import { BillingPeriod, PeriodClock } from '../periods/billing-period';
import { TtlCache } from '../common/ttl-cache';
import { CountPolicy, Enforcement } from './contract.entity';
import { ContractsRepository } from './contracts.repository';

/** What the gateway needs of a contract on every call, without a query per call. */
export interface ContractRuntime {
  id: string;
  enforcement: Enforcement;
  countPolicy: CountPolicy;
  periodOf(at: Date): BillingPeriod;
}

@Injectable()
export class ContractCache {
  private readonly cache = new TtlCache<string, ContractRuntime | null>(5_000);

  constructor(private readonly contracts: ContractsRepository) {}

  get(id: string): Promise<ContractRuntime | null> {
    return this.cache.get(id, async () => {
      const c = await this.contracts.findById(id);
      if (!c) return null;
      const clock = new PeriodClock({ timezone: c.timezone, billingDay: c.billingDay });
      return { id: c.id, enforcement: c.enforcement, countPolicy: c.countPolicy, periodOf: (at) => clock.periodOf(at) };
    });
  }

  invalidate(id: string): void {
    this.cache.delete(id);
  }
}
