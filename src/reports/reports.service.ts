import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Readable } from 'node:stream';
import { localDate } from '../billing/billing-period';
import { PeriodsService } from '../billing/periods.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ContractsService } from '../contracts/contracts.service';
import { OutboxService } from '../outbox/outbox.service';
import { EmailPayload, ReportRef } from '../outbox/outbox.types';
import { UsageService } from '../usage/usage.service';
import { renderReport, ReportData } from './report-email';
import { ReportsRepository } from './reports.repository';

const EARLIER_PERIODS = 6;
const TOP_APPS = 5;
const TOP_HANDLES = 10;

/**
 * The monthly report: queued by the close with its statement (report-delivery.ts), rendered here
 * when the outbox delivers it, from inputs that never change once the period is closed.
 */
@Injectable()
export class ReportsService implements OnModuleInit {
  constructor(
    private readonly contracts: ContractsService,
    private readonly periods: PeriodsService,
    private readonly usage: UsageService,
    private readonly repo: ReportsRepository,
    private readonly outbox: OutboxService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.outbox.registerRenderer('report', (ref, to) => this.email(ref, to));
  }

  async email(ref: ReportRef, to: string[]): Promise<EmailPayload> {
    const [data, csv] = await Promise.all([this.gather(ref), this.usage.rosterCsv(ref.contractId, ref.periodKey)]);
    const mail = renderReport({ ...data, csvFilename: csv.filename });
    // Streamed from the frozen handle set page by page: a million-row roster never sits in memory.
    return { to, ...mail, attachments: [{ filename: csv.filename, content: Readable.from(csv.lines), contentType: 'text/csv; charset=utf-8' }] };
  }

  async gather(ref: ReportRef): Promise<Omit<ReportData, 'csvFilename'>> {
    const contract = await this.contracts.getEntity(ref.contractId);
    const [statement, periods] = await Promise.all([this.periods.statement(contract.id, ref.periodKey), this.periods.list(contract.id)]);
    const { period } = statement;
    const [apps, handles] = await Promise.all([
      this.repo.callsPerApp(contract.id, period.start, period.end),
      this.repo.topHandles(contract.id, period.start, TOP_HANDLES),
    ]);
    const appCalls = apps.reduce((sum, a) => sum + a.calls, 0);
    const earlier = periods.filter((p) => p.closed && p.start.getTime() < period.start.getTime()).slice(0, EARLIER_PERIODS);
    const base = this.config.publicBaseUrl;
    return {
      contractId: contract.id,
      contractName: contract.name,
      period: { key: period.key, timezone: period.timezone, firstDay: localDate(period.start, period.timezone), lastDay: localDate(new Date(period.end.getTime() - 1), period.timezone) },
      statement: { ...statement, closedAt: statement.closedAt },
      earlier: earlier.map((p) => ({ key: p.key, uniqueHandles: p.uniqueHandles, allowance: p.allowance, overageHandles: p.overageHandles, overageCost: p.overageCost, calls: p.calls })),
      apps: apps.slice(0, TOP_APPS).map((a) => ({ name: a.name, calls: a.calls })),
      // The statement's call count is frozen at the close; what no app made is the imported history.
      callsWithoutApp: Math.max(0, statement.calls - appCalls),
      handles: handles.map((h) => ({ userId: h.user_id, screenName: h.screen_name, calls: h.calls, confirmed: h.confirmed })),
      dashboardUrl: base ? `${base}/dashboard/contracts/${contract.id}` : null,
    };
  }
}
