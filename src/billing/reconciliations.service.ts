import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { toCsv } from '../common/csv';
import { ConflictError, DomainError, NotFoundError, ValidationFailedError } from '../common/errors';
import { formatMoney, multiply, parseAmount } from '../common/money';
import { ContractsService } from '../contracts/contracts.service';
import { CreateReconciliationDto } from './dto/reconciliation.dto';
import { localDate } from '../periods/billing-period';
import { PeriodsService } from './periods.service';
import { ReconciliationsRepository, ReviewCandidate } from './reconciliations.repository';

/** Why a handle is on the review list, in words (the dashboard and the CSV). */
export const REASONS: Record<string, string> = {
  not_confirmed: 'never answered with success by X: counted under "attempted", perhaps not by X',
  utc_month_only: 'counted in the UTC calendar month but not in our period',
  outside_utc_month: 'counted in our period but not in the UTC calendar month',
  never_reached_x: 'every call failed to reach X: not counted by us',
  near_period_start: "first counted within 24 hours of the period's start: another time zone's cutoff would move it",
  near_period_end: "first counted within 24 hours of the period's end: another time zone's cutoff would move it",
};

export interface ReconciliationView {
  id: string;
  period: { key: string; status: string; start: Date; end: Date; timezone: string };
  basis: string;
  invoicedHandles: number;
  ourHandles: number;
  difference: number;
  matches: boolean;
  invoicedAmount: { amount: string; currency: string } | null;
  ourAmount: { amount: string; currency: string };
  amountDifference: { amount: string; currency: string } | null;
  expectedAmountForInvoicedHandles: { amount: string; currency: string };
  boundary?: { nearStart: number; nearEnd: number; hours: number };
  utcCutoff?: { start: Date; end: Date; uniqueHandles: number; difference: number };
  review: {
    summary: string;
    totals: Record<string, number>;
    handles: { userId: string; screenName: string | null; reason: string }[];
  };
  createdAt: Date;
  createdBy: string | null;
}

/** How many handles to list for review; the totals per reason are always complete. */
const REVIEW_LIMIT = 1000;
/** A handle first counted this close to either end of the period is one a different cutoff (time zone) would move. */
const BOUNDARY_MS = 24 * 3_600_000;

/** Does X's invoice match? Our count and cost beside X's, the difference, and the handles that explain it. */
@Injectable()
export class ReconciliationsService {
  constructor(
    private readonly contracts: ContractsService,
    private readonly periods: PeriodsService,
    private readonly repo: ReconciliationsRepository,
  ) {}

  async create(contractId: string, dto: CreateReconciliationDto, actorKeyId: string) {
    const contract = await this.contracts.getEntity(contractId);
    const period = this.periods.resolve(contract, dto.period);
    // An invoice is for a month that is over: reconciling an open one would compare X's final figure with a running count.
    if (period.end.getTime() > Date.now()) {
      throw new ConflictError(
        `Period ${period.key} has not ended: it ends ${localDate(period.end, contract.timezone)} 00:00 (${contract.timezone}). Reconcile X's invoice once the period is over.`,
        { period: period.key, end: period.end.toISOString(), status: 'open' },
      );
    }
    const ours = await this.periods.view(contract, period);
    // A period that ended before the contract was created, with no imported calls, is no period of this contract.
    if (period.end.getTime() <= contract.createdAt.getTime() && ours.period.status !== 'closed' && ours.calls === 0) {
      throw new PeriodBeforeContractError(
        `Period ${period.key} ended before contract ${contract.name} was created (${contract.createdAt.toISOString()}) and has no imported calls: there is nothing of ours to compare with. Import the period's calls first (POST /contracts/${contract.id}/usage/import).`,
        { period: period.key, contractCreatedAt: contract.createdAt.toISOString() },
      );
    }
    const currency = ours.overagePrice.currency;
    if (dto.invoicedAmount && dto.invoicedAmount.currency !== currency) {
      throw new ValidationFailedError(
        `The invoiced amount is in ${dto.invoicedAmount.currency} but the contract bills in ${currency}.`,
        { 'invoicedAmount.currency': `must be ${currency}` },
      );
    }
    const price = parseAmount(ours.overagePrice.amount);
    const invoicedMinor = dto.invoicedAmount ? parseAmount(dto.invoicedAmount.amount) : null;
    const ourMinor = parseAmount(ours.overageCost.amount);
    const expectedMinor = multiply(price, Math.max(0, dto.invoicedHandles - ours.allowance));

    // X's billing month may be the UTC calendar month rather than the contract's cycle (unconfirmed).
    const utcStart = DateTime.fromISO(`${period.key}-01`, { zone: 'utc' });
    const utcRange: [Date, Date] = [utcStart.toJSDate(), utcStart.plus({ months: 1 }).toJSDate()];
    // X does not say in which zone it cuts its month: the same dates cut at 00:00 UTC instead of the contract's midnight.
    const cutoff: [Date, Date] = [
      utcMidnight(localDate(period.start, contract.timezone)),
      utcMidnight(localDate(period.end, contract.timezone)),
    ];
    const frozen = ours.period.closed;
    const [candidates, utcMonthHandles, utcCutoffHandles, boundary] = await Promise.all([
      this.repo.reviewCandidates(contract.id, period, frozen, ...utcRange),
      this.repo.utcMonthCount(contract.id, ...utcRange),
      this.repo.countBetween(contract.id, ...cutoff, ours.countPolicy),
      this.repo.boundary(
        contract.id,
        period.start,
        frozen,
        new Date(period.start.getTime() + BOUNDARY_MS),
        new Date(period.end.getTime() - BOUNDARY_MS),
      ),
    ]);
    const difference = dto.invoicedHandles - ours.uniqueHandles;
    const report = {
      contractId: contract.id,
      period: ours.period,
      basis: ours.period.closed ? 'statement' : 'live',
      invoicedHandles: dto.invoicedHandles,
      ourHandles: ours.uniqueHandles,
      difference,
      matches: difference === 0 && (invoicedMinor === null || invoicedMinor === ourMinor),
      counts: {
        attempted: ours.attemptedHandles,
        confirmed: ours.confirmedHandles,
        countPolicy: ours.countPolicy,
        utcCalendarMonth: utcMonthHandles,
      },
      invoicedAmount: invoicedMinor === null ? null : formatMoney(invoicedMinor, currency),
      ourAmount: ours.overageCost,
      amountDifference: invoicedMinor === null ? null : formatMoney(invoicedMinor - ourMinor, currency),
      /** What X's own count should cost under this contract: a different invoiced amount means a price question, not a count one. */
      expectedAmountForInvoicedHandles: formatMoney(expectedMinor, currency),
      /** Handles first counted within 24 hours of the period's start or end: the ones a cutoff in another zone would move. */
      boundary: {
        nearStart: boundary.nearStart.length,
        nearEnd: boundary.nearEnd.length,
        hours: BOUNDARY_MS / 3_600_000,
      },
      /** Our count had the period been cut at 00:00 UTC on the same dates. */
      utcCutoff: {
        start: cutoff[0],
        end: cutoff[1],
        uniqueHandles: utcCutoffHandles,
        difference: dto.invoicedHandles - utcCutoffHandles,
      },
      review: review(difference, ours, utcMonthHandles, utcCutoffHandles, [
        ...candidates,
        ...boundary.nearStart.map((h) => ({ ...h, reason: 'near_period_start' as const })),
        ...boundary.nearEnd.map((h) => ({ ...h, reason: 'near_period_end' as const })),
      ]),
    };
    const saved = await this.repo.insert({
      contractId: contract.id,
      periodStart: period.start,
      periodKey: period.key,
      invoicedHandles: dto.invoicedHandles,
      invoicedAmountMinor: invoicedMinor,
      currency,
      ourHandles: ours.uniqueHandles,
      basis: report.basis,
      report,
      createdBy: actorKeyId,
    });
    return { id: saved.id, ...report, createdAt: saved.created_at, createdBy: actorKeyId };
  }

  async get(contractId: string, id: string) {
    await this.contracts.getEntity(contractId);
    const r = await this.repo.find(contractId, id);
    if (!r) throw new NotFoundError('Reconciliation', id);
    return {
      id: r.id,
      ...(r.report as Record<string, unknown>),
      createdAt: r.created_at,
      createdBy: r.created_by,
    } as ReconciliationView;
  }

  /** The handles to review as CSV, with the reason for each in words. */
  async reviewCsv(contractId: string, id: string): Promise<{ filename: string; body: string }> {
    const r = await this.get(contractId, id);
    const rows = r.review.handles.map((h) => ({ ...h, explanation: REASONS[h.reason] ?? h.reason }));
    return {
      filename: `reconciliation-${r.period.key}-${r.id}.csv`,
      body: toCsv(rows, ['userId', 'screenName', 'reason', 'explanation'], { header: true }),
    };
  }

  async list(contractId: string): Promise<ReconciliationView[]> {
    await this.contracts.getEntity(contractId);
    return (await this.repo.list(contractId)).map(
      (r) => ({ id: r.id, ...r.report, createdAt: r.created_at, createdBy: r.created_by }) as ReconciliationView,
    );
  }
}

/** 404 NOT_FOUND, as for any period the contract does not have, with the reason in words. */
class PeriodBeforeContractError extends DomainError {
  constructor(message: string, details: Record<string, unknown>) {
    super(404, 'NOT_FOUND', message, details);
  }
}

function utcMidnight(isoDate: string): Date {
  return new Date(`${isoDate}T00:00:00.000Z`);
}

function review(
  difference: number,
  ours: { attemptedHandles: number; confirmedHandles: number; countPolicy: string },
  utcMonth: number,
  utcCutoff: number,
  candidates: ReviewCandidate[],
) {
  const totals: Record<string, number> = {
    not_confirmed: 0,
    utc_month_only: 0,
    outside_utc_month: 0,
    never_reached_x: 0,
    near_period_start: 0,
    near_period_end: 0,
  };
  for (const c of candidates) totals[c.reason]++;
  const hints: string[] = [];
  if (difference === 0) hints.push('X counts the same number of handles as handlemeter.');
  else hints.push(`X counts ${Math.abs(difference)} ${difference > 0 ? 'more' : 'fewer'} handles than handlemeter.`);
  if (difference !== 0) {
    const target =
      ours.countPolicy === 'attempted' ? ours.attemptedHandles + difference : ours.confirmedHandles + difference;
    if (target === ours.confirmedHandles && ours.countPolicy === 'attempted')
      hints.push(
        "X's count equals our confirmed count: X may count only calls it answered with success; consider countPolicy confirmed.",
      );
    if (target === ours.attemptedHandles && ours.countPolicy === 'confirmed')
      hints.push(
        "X's count equals our attempted count: X may count every call it received; consider countPolicy attempted.",
      );
    if (target === utcMonth)
      hints.push(
        "X's count equals our count for the UTC calendar month: X may bill calendar months in UTC rather than the contract's cycle.",
      );
    else if (target === utcCutoff)
      hints.push(
        "X's count equals our count with the period cut at 00:00 UTC: X may cut its month in UTC rather than the contract's time zone.",
      );
    if (totals.never_reached_x)
      hints.push(`${totals.never_reached_x} handles were only in calls that never reached X; we do not count them.`);
  }
  return {
    summary: hints.join(' '),
    totals,
    handles: candidates
      .slice(0, REVIEW_LIMIT)
      .map((c) => ({ userId: c.user_id, screenName: c.screen_name, reason: c.reason })),
  };
}
