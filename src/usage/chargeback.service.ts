import { Injectable } from '@nestjs/common';
import { PeriodsService } from '../billing/periods.service';
import { formatMoney, Money, multiply } from '../common/money';
import { AppsService } from '../contracts/apps.service';
import { ContractEntity } from '../contracts/contract.entity';
import { ContractsService } from '../contracts/contracts.service';
import { NO_APP } from '../ledger/counting-order';
import { AggregatesService } from '../ledger/aggregates.service';
import { BillingPeriod } from '../periods/billing-period';

export interface AppUsage {
  /** null: calls and handles that came with no app (imported history) */
  appId: string | null;
  name: string;
  calls: number;
  handles: number;
  firstCountedHandles: number;
  overageHandles: number;
  overageCost: Money;
}

interface AppFigures {
  appId: string;
  calls: number;
  handles: number;
  counted: number;
  overage: number;
}

/**
 * Chargeback: a period's calls, handles and overage per app of the contract. Each handle is
 * charged to the app whose call first counted it (under the contract's countPolicy), so the
 * apps' firstCountedHandles add up to the period's uniqueHandles, and their overage handles and
 * cost to the period's. Read from the ledger's aggregates while the period is open, from what was
 * frozen with the statement once it is closed.
 */
@Injectable()
export class ChargebackService {
  constructor(
    private readonly contracts: ContractsService,
    private readonly periods: PeriodsService,
    private readonly aggregates: AggregatesService,
    private readonly apps: AppsService,
  ) {}

  async perApp(contractId: string, periodKey?: string): Promise<AppUsage[]> {
    const contract = await this.contracts.getEntity(contractId);
    return this.perAppOf(contract, this.periods.resolve(contract, periodKey));
  }

  /** `perApp`, for a caller that has read the contract already. */
  async perAppOf(contract: ContractEntity, period: BillingPeriod): Promise<AppUsage[]> {
    // The terms are needed only until the close, but read beside the rest they cost no round trip
    // of their own (the dashboard's first page after a start waited ~10 ms for it). Awaited only
    // then, so a closed period's answer never waits for them or fails with them.
    const termsAhead = this.contracts.termsInForce(contract.id, period.end);
    termsAhead.catch(() => undefined);
    const [statement, apps] = await Promise.all([
      this.periods.statementRow(contract.id, period.start),
      this.apps.liveApps(contract.id),
    ]);
    let figures: AppFigures[];
    let price: bigint;
    let currency: string;
    if (statement) {
      figures = (await this.periods.statementApps(contract.id, period.start)).map((r) => ({
        appId: r.app_id,
        calls: Number(r.calls),
        handles: r.handles,
        counted: r.first_counted,
        overage: r.overage_handles,
      }));
      price = BigInt(statement.overage_price_minor);
      currency = statement.currency;
    } else {
      const terms = await termsAhead;
      const [perApp, boundary] = await Promise.all([
        this.aggregates.perApp(contract.id, period.start, terms.countPolicy),
        this.aggregates.overageBoundary(contract.id, period.start, terms.countPolicy, terms.allowance),
      ]);
      const overage = await this.aggregates.overagePerApp(contract.id, period.start, terms.countPolicy, boundary);
      figures = perApp.map((a) => ({
        appId: a.appId,
        calls: a.calls,
        handles: a.handles,
        counted: a.counted,
        overage: overage.get(a.appId) ?? 0,
      }));
      price = terms.overagePriceMinor;
      currency = terms.currency;
    }
    const byApp = new Map(figures.map((f) => [f.appId, f]));
    const entry = (appId: string | null, name: string): AppUsage => {
      const f = byApp.get(appId ?? NO_APP);
      return {
        appId,
        name,
        calls: f?.calls ?? 0,
        handles: f?.handles ?? 0,
        firstCountedHandles: f?.counted ?? 0,
        overageHandles: f?.overage ?? 0,
        overageCost: formatMoney(multiply(price, f?.overage ?? 0), currency),
      };
    };
    const out = apps.map((a) => entry(a.id, a.name));
    const named = new Set(apps.map((a) => a.id));
    for (const f of figures) if (f.appId !== NO_APP && !named.has(f.appId)) out.push(entry(f.appId, 'deleted app'));
    const unattributed = byApp.get(NO_APP);
    // Imported history has no app: shown as its own line only when there is some, so the lines still add up.
    if (unattributed && (unattributed.calls || unattributed.counted || unattributed.overage))
      out.push(entry(null, 'imported (no app)'));
    return out.sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name));
  }
}
