import { Injectable } from '@nestjs/common';
import { PeriodsService } from '../billing/periods.service';
import { fitsBigint } from '../common/bigint-id';
import { toCsv } from '../common/csv';
import { ValidationFailedError } from '../common/errors';
import { ContractEntity } from '../contracts/contract.entity';
import { ContractsService } from '../contracts/contracts.service';
import { AggregatesService } from '../ledger/aggregates.service';
import { BillingPeriod } from '../periods/billing-period';
import { LiveCounting, RosterRow, UsageRepository } from './usage.repository';

const CSV_PAGE = 5000;
/** The roster's fields in the JSON answer's order and names (toRosterEntry): the CSV's header. */
const ROSTER_CSV_COLUMNS = [
  'userId',
  'screenName',
  'firstSeen',
  'lastSeen',
  'calls',
  'confirmed',
  'firstAppId',
  'overage',
];

@Injectable()
export class UsageService {
  constructor(
    private readonly contracts: ContractsService,
    private readonly usage: UsageRepository,
    private readonly periods: PeriodsService,
    private readonly aggregates: AggregatesService,
  ) {}

  /** The figures finance asks for: unique handles (per countPolicy), allowance, overage and its cost, calls. */
  usageOf(contractId: string, periodKey?: string) {
    return this.periods.usage(contractId, periodKey);
  }

  async rosterPage(contractId: string, periodKey: string, limit: number, cursor?: string) {
    const contract = await this.contracts.getEntity(contractId);
    const period = this.periods.resolve(contract, periodKey);
    const live = await this.liveCounting(contract, period);
    const rows = await this.usage.roster(
      contract.id,
      period.start,
      live,
      limit,
      cursor ? decodeCursor(cursor) : undefined,
    );
    const last = rows[rows.length - 1];
    return { handles: rows.map(toRosterEntry), nextCursor: rows.length === limit ? encodeCursor(last) : null };
  }

  /** Every handle of the period as CSV, streamed page by page so a million rows never sit in memory. */
  async rosterCsv(contractId: string, periodKey: string): Promise<{ filename: string; lines: AsyncIterable<string> }> {
    const contract = await this.contracts.getEntity(contractId);
    const period = this.periods.resolve(contract, periodKey);
    const live = await this.liveCounting(contract, period);
    const usage = this.usage;
    async function* lines() {
      yield toCsv([], ROSTER_CSV_COLUMNS, { header: true });
      let after: { firstSeen: Date; userId: string } | undefined;
      for (;;) {
        const rows = await usage.roster(contract.id, period.start, live, CSV_PAGE, after);
        if (rows.length) yield toCsv(rows.map(toRosterEntry), ROSTER_CSV_COLUMNS, { header: false });
        if (rows.length < CSV_PAGE) return;
        const last = rows[rows.length - 1];
        after = { firstSeen: last.first_seen_at, userId: last.user_id };
      }
    }
    return { filename: `handles-${contract.id}-${period.key}.csv`, lines: lines() };
  }

  /** Null once the period is closed (its frozen set carries its marks); else the open set's counting order and overage boundary. */
  private async liveCounting(contract: ContractEntity, period: BillingPeriod): Promise<LiveCounting | null> {
    if (await this.periods.isClosed(contract.id, period.start)) return null;
    const terms = await this.contracts.termsInForce(contract.id, period.end);
    return {
      policy: terms.countPolicy,
      boundary: await this.aggregates.overageBoundary(contract.id, period.start, terms.countPolicy, terms.allowance),
    };
  }

  async rateLimits() {
    return (await this.usage.rateLimits()).map((r) => ({
      appId: r.app_id,
      appName: r.app_name,
      contractId: r.contract_id,
      limit: r.per_minute_limit,
      remaining: r.per_minute_remaining,
      seenAt: r.seen_at,
    }));
  }
}

function toRosterEntry(r: RosterRow) {
  return {
    userId: r.user_id,
    screenName: r.screen_name,
    firstSeen: r.first_seen_at,
    lastSeen: r.last_seen_at,
    calls: r.calls,
    confirmed: r.confirmed,
    firstAppId: r.first_app_id,
    overage: r.overage,
  };
}

function encodeCursor(r: RosterRow): string {
  return Buffer.from(`${r.first_seen_at.toISOString()}|${r.user_id}`).toString('base64url');
}

function decodeCursor(cursor: string): { firstSeen: Date; userId: string } {
  const [iso, userId] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const firstSeen = new Date(iso);
  // JavaScript dates reach far past PostgreSQL's (4713 BC): a year outside 1..9999 is no real cursor.
  const year = firstSeen.getUTCFullYear();
  if (!userId || !fitsBigint(userId) || Number.isNaN(firstSeen.getTime()) || year < 1 || year > 9999) {
    throw new ValidationFailedError('cursor must be the nextCursor of an earlier page.', {
      cursor: 'not a cursor from this endpoint',
    });
  }
  return { firstSeen, userId };
}
