import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { AlertsService } from '../alerts/alerts.service';
import { BillingPeriod, localDate, periodContaining } from '../periods/billing-period';
import { figures } from '../billing/figures';
import { PeriodsService } from '../billing/periods.service';
import { ContractEntity } from '../contracts/contract.entity';
import { ContractsService } from '../contracts/contracts.service';
import { ForecastService } from '../forecast/forecast.service';
import { localDays } from '../forecast/period-days';
import { AuditService } from '../audit/audit.service';
import { REASONS, ReconciliationsService } from '../billing/reconciliations.service';
import { ValidationFailedError } from '../common/errors';
import { MAX_HANDLE_COUNT } from '../common/validation';
import { TtlCache } from '../common/ttl-cache';
import { ChargebackService } from '../usage/chargeback.service';
import { UsageService } from '../usage/usage.service';
import { ReconcileFormDto } from './dto/reconcile-form.dto';
import { AuditPageData } from './views/audit.view';
import { ReconciliationPageData } from './views/reconciliation.view';
import { DashboardRepository } from './dashboard.repository';
import { ChartInput } from './views/chart';
import { ContractPageData } from './views/contract.view';
import { ContractListItem } from './views/contracts.view';

const TOP_HANDLES = 10;
/**
 * How long a contract page's figures are shown to the next person: one second. Only shared while
 * being read, forty people reloading the page took a read (about sixteen queries) every eighth
 * page, and the read pool's bursts slowed the gateway's ledger writes; kept a second, the forty
 * readers' p95 went from 482-628 ms to 284-299 ms (docs/benchmarks.md). A person never sees
 * figures older than that second, and each page renders once per read (contract.view.ts).
 */
const PAGE_FIGURES_MS = 1_000;
const ALERTS = 20;

/** What the dashboard's pages show, from the same services the API answers with, so the page and the API agree. */
@Injectable()
export class DashboardService {
  /** Contract pages' figures, by contract: see contractPage. */
  private readonly pages = new TtlCache<string, ContractPageData>(PAGE_FIGURES_MS, 1_000, 0);

  constructor(
    private readonly contracts: ContractsService,
    private readonly periods: PeriodsService,
    private readonly alerts: AlertsService,
    private readonly usage: UsageService,
    private readonly chargeback: ChargebackService,
    private readonly forecast: ForecastService,
    private readonly repo: DashboardRepository,
    private readonly reconciliations: ReconciliationsService,
    private readonly audit: AuditService,
  ) {}

  async reconciliationPage(contractId: string): Promise<ReconciliationPageData> {
    const contract = await this.contracts.getEntity(contractId);
    const [periods, reconciliations] = await Promise.all([
      this.periods.list(contract.id),
      this.reconciliations.list(contract.id),
    ]);
    return {
      contract: { id: contract.id, name: contract.name, timezone: contract.timezone },
      periods: periods.filter((p) => p.status !== 'open').map((p) => p.key),
      reconciliations,
      reasons: REASONS,
    };
  }

  /** The form's strings, checked as the API's body would be (the same service decides). */
  reconcile(contractId: string, form: ReconcileFormDto, actorKeyId: string) {
    const handles = form.invoicedHandles.trim();
    if (!/^\d{1,9}$/.test(handles) || Number(handles) > MAX_HANDLE_COUNT) {
      throw new ValidationFailedError("Enter the number of handles on X's invoice as a whole number, such as 538.", {
        invoicedHandles: 'must be a whole number from 0 to 100,000,000',
      });
    }
    const amount = form.invoicedAmount?.trim();
    if (amount && !/^\d{1,15}(\.\d{1,2})?$/.test(amount)) {
      throw new ValidationFailedError(
        "Enter X's overage amount as a number with at most two decimals, such as 475.00, or leave it empty.",
        { invoicedAmount: 'must be a decimal such as 475.00' },
      );
    }
    if (!/^\d{4}-\d{2}$/.test(form.period.trim())) {
      throw new ValidationFailedError('Enter the period as YYYY-MM, such as 2026-10.', { period: 'must be YYYY-MM' });
    }
    return this.contracts.getEntity(contractId).then((c) =>
      this.reconciliations.create(
        contractId,
        {
          period: form.period.trim(),
          invoicedHandles: Number(handles),
          invoicedAmount: amount ? { amount, currency: c.currency } : undefined,
        },
        actorKeyId,
      ),
    );
  }

  reconciliationCsv(contractId: string, id: string) {
    return this.reconciliations.reviewCsv(contractId, id);
  }

  auditPage(cursor?: string): Promise<AuditPageData> {
    return this.audit.list(100, cursor);
  }

  async contractList(now = new Date()): Promise<ContractListItem[]> {
    const all = await this.contracts.entities();
    const open = all.map((c) => periodContaining(now, { timezone: c.timezone, billingDay: c.billingDay }));
    const rows = await this.repo.openCounts(
      all.map((c) => c.id),
      open.map((p) => p.start),
    );
    const byId = new Map(rows.map((r) => [r.contract_id, r]));
    return all
      .map((c, i) => {
        const r = byId.get(c.id);
        // A contract change applies to the open period, so its current terms are the open period's.
        const f = figures(
          {
            allowance: c.handleAllowance,
            overagePriceMinor: BigInt(c.overagePriceMinor),
            currency: c.currency,
            countPolicy: c.countPolicy,
          },
          { attempted: r?.attempted ?? 0, confirmed: r?.confirmed ?? 0, calls: Number(r?.calls ?? 0) },
        );
        return {
          id: c.id,
          name: c.name,
          timezone: c.timezone,
          periodKey: open[i].key,
          uniqueHandles: f.uniqueHandles,
          allowance: f.allowance,
          overageCost: f.overageCost,
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * The contract page's figures, read once for everyone who asks within PAGE_FIGURES_MS of the
   * read (and for those who ask while it runs): a crowd on one contract (month end, a meeting)
   * costs one set of reads a second, not one per person, and leaves the database and the cores to
   * the gateway. The page says when its figures were read ("as of"); the API's are always live.
   */
  contractPage(contractId: string): Promise<ContractPageData> {
    return this.pages.get(contractId, () => this.readContractPage(contractId, new Date()));
  }
  private async readContractPage(contractId: string, now: Date): Promise<ContractPageData> {
    const contract = await this.contracts.getEntity(contractId);
    const period = this.periods.resolve(contract);
    // The chart's days are the projection's read, shared (ForecastService.openDays).
    const [usage, days, top, alerts, periods, apps] = await Promise.all([
      this.periods.view(contract, period),
      this.forecast.openDays(contract.id, contract.timezone, period, now),
      this.repo.topHandles(contract.id, period.start, TOP_HANDLES),
      this.alerts.list(contract.id, ALERTS),
      this.periods.listOf(contract),
      this.chargeback.perAppOf(contract, period),
    ]);
    const p = usage.projection;
    return {
      contract: {
        id: contract.id,
        name: contract.name,
        timezone: contract.timezone,
        countPolicy: contract.countPolicy,
        enforcement: contract.enforcement,
      },
      period: {
        key: period.key,
        firstDay: localDate(period.start, contract.timezone),
        lastDay: localDate(new Date(period.end.getTime() - 1), contract.timezone),
        status: usage.period.status,
      },
      usage,
      projection: p,
      chart:
        usage.uniqueHandles > 0
          ? chartOf(contract, period, days.counted[contract.countPolicy], usage.allowance, p?.dailyCurve ?? null, now)
          : null,
      apps,
      topHandles: top.map((h) => ({
        userId: h.user_id,
        screenName: h.screen_name,
        calls: h.calls,
        firstSeen: h.first_seen_at,
        confirmed: h.confirmed,
      })),
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
function chartOf(
  contract: ContractEntity,
  period: BillingPeriod,
  perDay: number[],
  allowance: number,
  projection: ChartInput['projection'],
  now: Date,
): ChartInput {
  const days = localDays(period.start, period.end, contract.timezone);
  const local = DateTime.fromJSDate(now, { zone: contract.timezone });
  const today = Math.max(0, days.indexOf(local.toISODate()!));
  let sum = 0;
  const observed = days.slice(0, today + 1).map((_, i) => (sum += perDay[i] ?? 0));
  const dayStart = local.startOf('day');
  const share = Math.min(
    1,
    Math.max(0, now.getTime() - dayStart.toMillis()) / (dayStart.plus({ days: 1 }).toMillis() - dayStart.toMillis()),
  );
  return { days, observed, now: today + share, allowance, projection };
}
