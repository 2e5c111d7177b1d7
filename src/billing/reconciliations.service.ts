import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { ValidationFailedError } from '../common/errors';
import { formatMoney, multiply, parseAmount } from '../common/money';
import { ContractsService } from '../contracts/contracts.service';
import { CreateReconciliationDto } from './dto/reconciliation.dto';
import { PeriodsService } from './periods.service';
import { ReconciliationsRepository, ReviewCandidate } from './reconciliations.repository';

/** How many handles to list for review; the totals per reason are always complete. */
const REVIEW_LIMIT = 1000;

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
    const ours = await this.periods.view(contract, period);
    const currency = ours.overagePrice.currency;
    if (dto.invoicedAmount && dto.invoicedAmount.currency !== currency) {
      throw new ValidationFailedError(`The invoiced amount is in ${dto.invoicedAmount.currency} but the contract bills in ${currency}.`, { 'invoicedAmount.currency': `must be ${currency}` });
    }
    const price = parseAmount(ours.overagePrice.amount);
    const invoicedMinor = dto.invoicedAmount ? parseAmount(dto.invoicedAmount.amount) : null;
    const ourMinor = parseAmount(ours.overageCost.amount);
    const expectedMinor = multiply(price, Math.max(0, dto.invoicedHandles - ours.allowance));

    // X's billing month may be the UTC calendar month rather than the contract's cycle (unconfirmed).
    const utcStart = DateTime.fromISO(`${period.key}-01`, { zone: 'utc' });
    const utcRange: [Date, Date] = [utcStart.toJSDate(), utcStart.plus({ months: 1 }).toJSDate()];
    const [candidates, utcMonthHandles] = await Promise.all([
      this.repo.reviewCandidates(contract.id, period.start, ours.period.closed, ...utcRange),
      this.repo.utcMonthCount(contract.id, ...utcRange),
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
      counts: { attempted: ours.attemptedHandles, confirmed: ours.confirmedHandles, countPolicy: ours.countPolicy, utcCalendarMonth: utcMonthHandles },
      invoicedAmount: invoicedMinor === null ? null : formatMoney(invoicedMinor, currency),
      ourAmount: ours.overageCost,
      amountDifference: invoicedMinor === null ? null : formatMoney(invoicedMinor - ourMinor, currency),
      /** What X's own count should cost under this contract: a different invoiced amount means a price question, not a count one. */
      expectedAmountForInvoicedHandles: formatMoney(expectedMinor, currency),
      review: review(difference, ours, utcMonthHandles, candidates),
    };
    const saved = await this.repo.insert({
      contractId: contract.id, periodStart: period.start, periodKey: period.key, invoicedHandles: dto.invoicedHandles,
      invoicedAmountMinor: invoicedMinor, currency, ourHandles: ours.uniqueHandles, basis: report.basis, report, createdBy: actorKeyId,
    });
    return { id: saved.id, ...report, createdAt: saved.created_at, createdBy: actorKeyId };
  }

  async list(contractId: string) {
    await this.contracts.getEntity(contractId);
    return (await this.repo.list(contractId)).map((r) => ({ id: r.id, ...r.report, createdAt: r.created_at, createdBy: r.created_by }));
  }
}

function review(difference: number, ours: { attemptedHandles: number; confirmedHandles: number; countPolicy: string }, utcMonth: number, candidates: ReviewCandidate[]) {
  const totals: Record<string, number> = { not_confirmed: 0, utc_month_only: 0, outside_utc_month: 0, never_reached_x: 0 };
  for (const c of candidates) totals[c.reason]++;
  const hints: string[] = [];
  if (difference === 0) hints.push('X counts the same number of handles as handlemeter.');
  else hints.push(`X counts ${Math.abs(difference)} ${difference > 0 ? 'more' : 'fewer'} handles than handlemeter.`);
  if (difference !== 0) {
    const target = ours.countPolicy === 'attempted' ? ours.attemptedHandles + difference : ours.confirmedHandles + difference;
    if (target === ours.confirmedHandles && ours.countPolicy === 'attempted') hints.push("X's count equals our confirmed count: X may count only calls it answered with success; consider countPolicy confirmed.");
    if (target === ours.attemptedHandles && ours.countPolicy === 'confirmed') hints.push("X's count equals our attempted count: X may count every call it received; consider countPolicy attempted.");
    if (target === utcMonth) hints.push("X's count equals our count for the UTC calendar month: X may bill calendar months in UTC rather than the contract's cycle.");
    if (totals.never_reached_x) hints.push(`${totals.never_reached_x} handles were only in calls that never reached X; we do not count them.`);
  }
  return { summary: hints.join(' '), totals, handles: candidates.slice(0, REVIEW_LIMIT).map((c) => ({ userId: c.user_id, screenName: c.screen_name, reason: c.reason })) };
}
