import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { NotFoundError, ValidationFailedError } from '../common/errors';
import { formatMoney, multiply } from '../common/money';
import { ContractEntity } from '../contracts/contract.entity';
import { ContractsService } from '../contracts/contracts.service';
import { ForecastService } from '../forecast/forecast.service';
import { BillingPeriod, InvalidPeriodKeyError, periodByKey, periodContaining } from '../periods/billing-period';
import { Terms } from '../contracts/terms';
import { Counts, figures, UsageFigures } from './figures';
import { StatementRow, StatementsRepository } from './statements.repository';

const NO_COUNTS: Counts = { attempted: 0, confirmed: 0, calls: 0 };

/** The figures of a period: live while it is open, the statement's once it is closed (with any restatement beside them). */
@Injectable()
export class PeriodsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('PeriodsService');

  constructor(
    private readonly contracts: ContractsService,
    private readonly statements: StatementsRepository,
    private readonly forecast: ForecastService,
  ) {}

  /** Before the service answers: the projection's code and the contracts' periods worked out once (ForecastService.warmUp). */
  async onApplicationBootstrap(): Promise<void> {
    const contracts = await this.contracts.entities().catch((e: Error) => {
      // A warm-up that cannot read the contracts warms what it can; the first read pays the rest.
      this.logger.warn(`warm-up without the contracts: ${e.message}`);
      return [];
    });
    this.forecast.warmUp(contracts.map((c) => ({ timezone: c.timezone, billingDay: c.billingDay })));
  }

  async usage(contractId: string, periodKey?: string) {
    const contract = await this.contracts.getEntity(contractId);
    return this.view(contract, this.resolve(contract, periodKey));
  }

  /** 404 until the period is closed: a statement is what was billed, not a running figure. */
  async statement(contractId: string, periodKey: string) {
    const contract = await this.contracts.getEntity(contractId);
    const period = this.resolve(contract, periodKey);
    const row = await this.statements.statement(contract.id, period.start);
    if (!row) throw new NotFoundError(`Statement for period ${periodKey} (it is written when the period closes)`);
    const live = (await this.statements.counts(contract.id, period.start)) ?? NO_COUNTS;
    return {
      contractId: contract.id,
      period: periodOf(row, true),
      ...statementFigures(row),
      closedAt: row.closed_at,
      restatement: restatement(row, live),
    };
  }

  /** For other modules: a period's statement as written, null until it is closed. */
  statementRow(contractId: string, periodStart: Date): Promise<StatementRow | null> {
    return this.statements.statement(contractId, periodStart);
  }

  /** For other modules: every statement of a contract, in no order. */
  statementRows(contractId: string): Promise<StatementRow[]> {
    return this.statements.statements(contractId);
  }

  /** For other modules: a closed period's chargeback, as frozen with its statement. */
  statementApps(contractId: string, periodStart: Date) {
    return this.statements.statementApps(contractId, periodStart);
  }

  isClosed(contractId: string, periodStart: Date): Promise<boolean> {
    return this.statements.isClosed(contractId, periodStart);
  }

  /** A period's counts as they stand (null before its first call). */
  liveCounts(contractId: string, periodStart: Date): Promise<Counts | null> {
    return this.statements.counts(contractId, periodStart);
  }

  /** The open period, then every period with calls or a statement, newest first. */
  async list(contractId: string) {
    return this.listOf(await this.contracts.getEntity(contractId));
  }

  /** `list`, for a caller that has read the contract already. */
  async listOf(contract: ContractEntity) {
    const open = this.resolve(contract);
    const [counts, stmts] = await Promise.all([
      this.statements.periodCounts(contract.id),
      this.statements.statements(contract.id),
    ]);
    const byStart = new Map(stmts.map((s) => [s.period_start.getTime(), s]));
    const starts = new Map<number, { start: Date; end: Date; key: string }>();
    for (const c of counts)
      starts.set(c.period_start.getTime(), { start: c.period_start, end: c.period_end, key: c.period_key });
    for (const s of stmts)
      starts.set(s.period_start.getTime(), { start: s.period_start, end: s.period_end, key: s.period_key });
    if (!starts.has(open.start.getTime())) starts.set(open.start.getTime(), open);
    const out = [];
    for (const p of [...starts.values()].sort((a, b) => b.start.getTime() - a.start.getTime())) {
      const c = counts.find((x) => x.period_start.getTime() === p.start.getTime());
      const live = c ? { attempted: c.attempted, confirmed: c.confirmed, calls: Number(c.calls) } : NO_COUNTS;
      const stmt = byStart.get(p.start.getTime());
      if (stmt) {
        out.push({
          key: p.key,
          start: p.start,
          end: p.end,
          status: 'closed' as PeriodStatus,
          closed: true,
          closedAt: stmt.closed_at,
          ...statementFigures(stmt),
          restatement: restatement(stmt, live),
        });
      } else {
        const terms = await this.contracts.termsInForce(contract.id, p.end);
        out.push({
          key: p.key,
          start: p.start,
          end: p.end,
          status: periodInfo({ ...p, timezone: contract.timezone }, false).status,
          closed: false,
          ...figures(terms, live),
        });
      }
    }
    return out;
  }

  /** `YYYY-MM` (or the open period) in the contract's cycle; 400 for a malformed key, 404 for a period not yet begun. */
  resolve(contract: ContractEntity, key?: string): BillingPeriod {
    const cycle = { timezone: contract.timezone, billingDay: contract.billingDay };
    if (key === undefined) return periodContaining(new Date(), cycle);
    let period: BillingPeriod;
    try {
      period = periodByKey(key, cycle);
    } catch (e) {
      if (e instanceof InvalidPeriodKeyError)
        throw new ValidationFailedError(`"${key}" is not a period: use YYYY-MM, the month the period starts in.`, {
          period: 'must be YYYY-MM',
        });
      throw e;
    }
    if (period.start.getTime() > Date.now()) throw new NotFoundError('Period', key);
    return period;
  }

  /** `fresh`: an alert is being raised from these figures, so the projection is computed now, not taken from the cache. */
  async view(contract: ContractEntity, period: BillingPeriod, opts: { fresh?: boolean } = {}) {
    // Only an open period has a future to project; one that ended and awaits its close has its
    // final count. The projection's read starts now, beside the others (see ForecastService.begin).
    const projecting =
      period.end.getTime() > Date.now() ? this.forecast.begin(contract.id, contract.timezone, period, opts) : null;
    // The terms are needed only until the close, but reading them beside the rest costs less
    // than a round trip after it (the first read after a start pays each one cold).
    const [row, counts, terms] = await Promise.all([
      this.statements.statement(contract.id, period.start),
      this.statements.counts(contract.id, period.start),
      this.contracts.termsInForce(contract.id, period.end),
    ]);
    const live = counts ?? NO_COUNTS;
    const base = { contractId: contract.id, asOf: new Date() };
    if (row) {
      return {
        ...base,
        period: periodOf(row, true),
        ...statementFigures(row),
        closedAt: row.closed_at,
        restatement: restatement(row, live),
        projection: null,
      };
    }
    const f = figures(terms, live);
    // The projection is the one of the count shown beside it (see ForecastService).
    const projection = projecting ? await projecting(terms, f.uniqueHandles) : null;
    return { ...base, period: periodInfo(period, false), ...f, projection };
  }
}

export type PeriodStatus = 'open' | 'ended' | 'closed';

/**
 * How every answer shows a period: `status` says open (still running), ended (over, the close has
 * not written its statement yet) or closed (statement written); `closed` stays for older clients.
 */
export function periodInfo(
  p: { key: string; start: Date; end: Date; timezone: string },
  closed: boolean,
  now = new Date(),
) {
  const status: PeriodStatus = closed ? 'closed' : p.end.getTime() <= now.getTime() ? 'ended' : 'open';
  return { key: p.key, start: p.start, end: p.end, timezone: p.timezone, status, closed };
}

function periodOf(row: StatementRow, closed: boolean) {
  return periodInfo(
    { key: row.period_key, start: row.period_start, end: row.period_end, timezone: row.timezone },
    closed,
  );
}

function termsOf(row: StatementRow): Terms {
  return {
    allowance: row.handle_allowance,
    overagePriceMinor: BigInt(row.overage_price_minor),
    currency: row.currency,
    countPolicy: row.count_policy,
  };
}

function statementFigures(row: StatementRow): UsageFigures {
  return figures(termsOf(row), {
    attempted: row.attempted_handles,
    confirmed: row.confirmed_handles,
    calls: Number(row.calls),
  });
}

/**
 * Calls recorded for a period after it closed (late imports) never change its statement; they
 * show here as what the figures would be now, and the difference.
 */
function restatement(row: StatementRow, live: Counts) {
  if (
    live.attempted === row.attempted_handles &&
    live.confirmed === row.confirmed_handles &&
    live.calls === Number(row.calls)
  )
    return null;
  const before = statementFigures(row);
  const now = figures(termsOf(row), live);
  return {
    ...now,
    difference: {
      uniqueHandles: now.uniqueHandles - before.uniqueHandles,
      calls: now.calls - before.calls,
      overageHandles: now.overageHandles - before.overageHandles,
      overageCost: formatMoney(
        multiply(BigInt(row.overage_price_minor), now.overageHandles - before.overageHandles),
        row.currency,
      ),
    },
  };
}
