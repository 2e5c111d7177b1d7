import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { localDate } from '../periods/billing-period';
import { PeriodsService } from '../billing/periods.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ContractsService } from '../contracts/contracts.service';
import { OutboxService } from '../outbox/outbox.service';
import { EmailPayload, ReportRef } from '../outbox/outbox.types';
import { ChargebackService } from '../usage/chargeback.service';
import { UsageService } from '../usage/usage.service';
import { appsCsv, renderReport, ReportData } from './report-email';
import { ReportLinks } from './report-links';
import { ReportsRepository } from './reports.repository';

const EARLIER_PERIODS = 6;
const TOP_HANDLES = 10;
/**
 * Fewer gzipped bytes than any handle's CSV line takes (its user ID, two timestamps and an app
 * id alone compress to more): a roster whose handles times this exceeds the limit is linked
 * without compressing it first to find out.
 */
const MIN_GZIP_BYTES_PER_HANDLE = 12;

/**
 * The monthly report: queued by the close with its statement (billing/report-delivery.ts), rendered here
 * when the outbox delivers it, from inputs that never change once the period is closed.
 */
@Injectable()
export class ReportsService implements OnModuleInit {
  constructor(
    private readonly contracts: ContractsService,
    private readonly periods: PeriodsService,
    private readonly usage: UsageService,
    private readonly chargeback: ChargebackService,
    private readonly repo: ReportsRepository,
    private readonly outbox: OutboxService,
    private readonly links: ReportLinks,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.outbox.registerRenderer('report', (ref, to) => this.email(ref, to));
  }

  /**
   * The roster travels gzipped: attached while it stays under REPORT_ATTACH_MAX_BYTES (so with the
   * text, the HTML and base64 no mail passes 5 MB), else replaced by a signed, expiring download
   * link. Either way it is the frozen handle set, read page by page, never whole in memory. The
   * chargeback (a line per app) is always attached as CSV too: it is a few lines, and finance
   * pastes it into the spreadsheet that bills each team.
   */
  async email(ref: ReportRef, to: string[]): Promise<EmailPayload> {
    const [data, csv] = await Promise.all([this.gather(ref), this.usage.rosterCsv(ref.contractId, ref.periodKey)]);
    const max = this.config.reportAttachMaxBytes;
    const gz =
      data.statement.attemptedHandles * MIN_GZIP_BYTES_PER_HANDLE > max ? null : await gzipUpTo(csv.lines, max);
    const filename = `${csv.filename}.gz`;
    const link = gz ? null : this.links.link(ref.contractId, ref.periodKey);
    const mail = renderReport({ ...data, csvFilename: filename, csvLink: link });
    const apps = appsCsv(data);
    const roster = gz ? [{ filename, content: gz, contentType: 'application/gzip' }] : [];
    return {
      to,
      ...mail,
      attachments: [...roster, { filename: apps.filename, content: apps.body, contentType: 'text/csv; charset=utf-8' }],
    };
  }

  async gather(ref: ReportRef): Promise<Omit<ReportData, 'csvFilename' | 'csvLink'>> {
    const contract = await this.contracts.getEntity(ref.contractId);
    const [statement, periods] = await Promise.all([
      this.periods.statement(contract.id, ref.periodKey),
      this.periods.listOf(contract),
    ]);
    const { period } = statement;
    const [apps, handles] = await Promise.all([
      // The chargeback of GET /contracts/:id/apps/usage: of a closed period, what was frozen with the statement.
      this.chargeback.perAppOf(contract, this.periods.resolve(contract, period.key)),
      this.repo.topHandles(contract.id, period.start, TOP_HANDLES),
    ]);
    const earlier = periods
      .filter((p) => p.closed && p.start.getTime() < period.start.getTime())
      .slice(0, EARLIER_PERIODS);
    const base = this.config.publicBaseUrl;
    return {
      contractId: contract.id,
      contractName: contract.name,
      period: {
        key: period.key,
        timezone: period.timezone,
        firstDay: localDate(period.start, period.timezone),
        lastDay: localDate(new Date(period.end.getTime() - 1), period.timezone),
      },
      statement: { ...statement, closedAt: statement.closedAt },
      earlier: earlier.map((p) => ({
        key: p.key,
        uniqueHandles: p.uniqueHandles,
        allowance: p.allowance,
        overageHandles: p.overageHandles,
        overageCost: p.overageCost,
        calls: p.calls,
      })),
      apps,
      handles: handles.map((h) => ({
        userId: h.user_id,
        screenName: h.screen_name,
        calls: h.calls,
        confirmed: h.confirmed,
      })),
      dashboardUrl: base ? `${base}/dashboard/contracts/${contract.id}` : null,
    };
  }
}

/** The lines gzipped, or null as soon as the result passes `max` bytes (reading stops there). */
async function gzipUpTo(lines: AsyncIterable<string>, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  const tooBig = new Error('too big');
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > max) return done(tooBig);
      chunks.push(chunk);
      done();
    },
  });
  try {
    await pipeline(Readable.from(lines), zlib.createGzip(), sink);
  } catch (e) {
    if (e === tooBig) return null;
    throw e;
  }
  return Buffer.concat(chunks);
}
