import { formatMoney, Money, multiply } from '../common/money';
import { CountPolicy } from '../contracts/contract.entity';
import { Terms } from '../contracts/terms';
import { PeriodCounts } from '../ledger/ledger.types';

/** What a bill counts: the ledger's counters of the period. */
export type Counts = PeriodCounts;

export interface UsageFigures {
  countPolicy: CountPolicy;
  uniqueHandles: number;
  attemptedHandles: number;
  confirmedHandles: number;
  allowance: number;
  remaining: number;
  overageHandles: number;
  overagePrice: Money;
  overageCost: Money;
  calls: number;
}

/** The one place a count becomes a bill: overage = max(0, unique − allowance) × price, in integer cents. */
export function figures(terms: Terms, counts: Counts): UsageFigures {
  const unique = terms.countPolicy === 'confirmed' ? counts.confirmed : counts.attempted;
  const overage = Math.max(0, unique - terms.allowance);
  return {
    countPolicy: terms.countPolicy,
    uniqueHandles: unique,
    attemptedHandles: counts.attempted,
    confirmedHandles: counts.confirmed,
    allowance: terms.allowance,
    remaining: Math.max(0, terms.allowance - unique),
    overageHandles: overage,
    overagePrice: formatMoney(terms.overagePriceMinor, terms.currency),
    overageCost: formatMoney(multiply(terms.overagePriceMinor, overage), terms.currency),
    calls: counts.calls,
  };
}
