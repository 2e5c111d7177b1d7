import { Injectable } from '@nestjs/common';
import { PeriodsService } from '../billing/periods.service';
import { formatMoney, parseAmount } from '../common/money';
import { ContractsService } from '../contracts/contracts.service';
import { defaultAllowances, PlanPeriod, planOptions } from './plan-options';

/** Closed periods a renewal looks back over: a year of statements. */
const HISTORY = 12;

/**
 * Renewal planning: over the last (up to 12) closed periods and the open period's projection,
 * the overage each alternative allowance would have cost. Priced at today's overage price, so
 * the options compare allowances, not past price changes.
 */
@Injectable()
export class PlanService {
  constructor(
    private readonly contracts: ContractsService,
    private readonly periods: PeriodsService,
  ) {}

  async plan(contractId: string, allowances?: number[]) {
    const contract = await this.contracts.getEntity(contractId);
    const open = this.periods.resolve(contract);
    const [rows, usage] = await Promise.all([
      this.periods.statementRows(contract.id),
      this.periods.view(contract, open),
    ]);
    const closed = rows
      .filter((r) => r.period_start.getTime() < open.start.getTime())
      .sort((a, b) => b.period_start.getTime() - a.period_start.getTime())
      .slice(0, HISTORY)
      .reverse();
    const periods: (PlanPeriod & { allowance: number })[] = closed.map((r) => ({
      period: r.period_key,
      uniqueHandles: r.count_policy === 'confirmed' ? r.confirmed_handles : r.attempted_handles,
      projected: false,
      allowance: r.handle_allowance,
    }));
    periods.push({
      period: open.key,
      uniqueHandles: usage.projection?.uniqueHandles ?? usage.uniqueHandles,
      projected: true,
      allowance: usage.allowance,
    });
    const price = parseAmount(usage.overagePrice.amount);
    const currency = usage.overagePrice.currency;
    const options = planOptions(periods, allowances ?? defaultAllowances(usage.allowance), price, currency);
    return {
      contractId: contract.id,
      currentAllowance: usage.allowance,
      overagePrice: formatMoney(price, currency),
      periods,
      options: options.map((o) => ({ ...o, current: o.allowance === usage.allowance })),
      asOf: usage.asOf,
    };
  }
}
