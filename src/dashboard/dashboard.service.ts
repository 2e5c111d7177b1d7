import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { AlertsService } from '../alerts/alerts.service';
import { BillingPeriod, localDate, periodContaining } from '../billing/billing-period';
import { figures } from '../billing/figures';
import { PeriodsService } from '../billing/periods.service';
import { ContractEntity } from '../contracts/contract.entity';
import { ContractsRepository } from '../contracts/contracts.repository';
import { ContractsService } from '../contracts/contracts.service';
import { localDays } from '../forecast/period-days';
import { UsageService } from '../usage/usage.service';
import { DashboardRepository } from './dashboard.repository';
import { ChartInput } from './views/chart';
import { ContractPageData } from './views/contract.view';
import { ContractListItem } from './views/contracts.view';

const TOP_HANDLES = 10;
const ALERTS = 20;

/** What the dashboard's pages show, from the same services the API answers with, so the page and the API agree. */
@Injectable()
export class DashboardService {
  constructor(
    private readonly contracts: ContractsService,
    private readonly contractsRepo: ContractsRepository,
    private readonly periods: PeriodsService,
    private readonly alerts: AlertsService,
    private readonly usage: UsageService,
    private readonly repo: DashboardRepository,
  ) {}

  async contractList(now = new Date()): Promise<ContractListItem[]> {
    const all = await this.contractsRepo.list();
    const open = all.map((c) => periodContaining(now, { timezone: c.timezone, billingDay: c.billingDay }));
    const rows = await this.repo.openCounts(all.map((c) => c.id), open.map((p) => p.start));
    const byId = new Map(rows.map((r) => [r.contract_id, r]));
    return all
      .map((c, i) => {
        const r = byId.get(c.id);
        // A contract change applies to the open period, so its current terms are the open period's.
        const f = figures(
          { allowance: c.handleAllowance, overagePriceMinor: BigInt(c.overagePriceMinor), currency: c.currency, countPolicy: c.countPolicy },
          { attempted: r?.attempted ?? 0, confirmed: r?.confirmed ?? 0, calls: Number(r?.calls ?? 0) },
        );
        return { id: c.id, name: c.name, timezone: c.timezone, periodKey: open[i].key, uniqueHandles: f.uniqueHandles, allowance: f.allowance, overageCost: f.overageCost };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async contractPage(contractId: string, now = new Date()): Promise<ContractPageData> {
    const contract = await this.contracts.getEntity(contractId);
    const period = this.periods.resolve(contract);
    const [usage, perDay, top, alerts, periods] = await Promise.all([
      this.periods.view(contract, period),
      this.repo.newHandlesPerDay(contract.id, period.start, contract.timezone, contract.countPolicy),
      this.repo.topHandles(contract.id, period.start, TOP_HANDLES),
      this.alerts.list(contract.id, ALERTS),
      this.periods.list(contract.id),
    ]);
    const p = usage.projection;
    return {
      contract: { id: contract.id, name: contract.name, timezone: contract.timezone, countPolicy: contract.countPolicy, enforcement: contract.enforcement },
      period: { key: period.key, firstDay: localDate(period.start, contract.timezone), lastDay: localDate(new Date(period.end.getTime() - 1), contract.timezone), status: usage.period.status },
      usage,
      projection: p,
      chart: usage.uniqueHandles > 0 ? chartOf(contract, period, perDay, usage.allowance, p?.dailyCurve ?? null, now) : null,
      topHandles: top.map((h) => ({ userId: h.user_id, screenName: h.screen_name, calls: h.calls, firstSeen: h.first_seen_at, confirmed: h.confirmed })),
      alerts,
      periods: periods.map((x) => ({ ...x, restated: 'restatement' in x && x.restatement !== null })),
    };
  }

  /** The CSV the API serves for the period (the frozen set once closed), for a download link. */
  rosterCsv(contractId: string, periodKey: string) {
    return this.usage.rosterCsv(contractId, periodKey);
  }
}

/** Cumulative count at the end of each local day so far (today as of now), placed on the period's days. */
function chartOf(contract: ContractEntity, period: BillingPeriod, perDay: { day: string; n: number }[], allowance: number, projection: ChartInput['projection'], now: Date): ChartInput {
  const days = localDays(period.start, period.end, contract.timezone);
  const local = DateTime.fromJSDate(now, { zone: contract.timezone });
  const today = Math.max(0, days.indexOf(local.toISODate()!));
  const added = new Map(perDay.map((r) => [r.day, r.n]));
  let sum = 0;
  const observed = days.slice(0, today + 1).map((d) => (sum += added.get(d) ?? 0));
  const dayStart = local.startOf('day');
  const share = Math.min(1, Math.max(0, now.getTime() - dayStart.toMillis()) / (dayStart.plus({ days: 1 }).toMillis() - dayStart.toMillis()));
  return { days, observed, now: today + share, allowance, projection };
}
