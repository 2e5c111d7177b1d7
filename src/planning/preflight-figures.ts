import { formatMoney, Money, multiply } from '../common/money';
import { Enforcement } from '../contracts/contract.entity';

export interface PreflightInput {
  /** the period's count now, under the contract's countPolicy */
  uniqueHandles: number;
  allowance: number;
  overagePriceMinor: bigint;
  currency: string;
  enforcement: Enforcement;
  /** distinct registered handles asked about that already count in the period */
  alreadyCounted: number;
  /** distinct registered handles asked about that do not count yet */
  new: number;
}

export interface PreflightFigures {
  overageHandles: number;
  overageCost: Money;
  /** under enforcement `block`: new handles the gateway would refuse (HANDLE_ALLOWANCE_EXHAUSTED) */
  blockedHandles: number;
  remainingAfter: number;
}

/**
 * What calling every handle would add to the bill: the new handles past what is left of the
 * allowance are overage (under `track`) or refused (under `block`, where nothing is overage).
 */
export function preflightFigures(p: PreflightInput): PreflightFigures {
  const room = Math.max(0, p.allowance - p.uniqueHandles);
  const admitted = p.enforcement === 'block' ? Math.min(p.new, room) : p.new;
  const overageHandles = p.enforcement === 'block' ? 0 : Math.max(0, p.new - room);
  return {
    overageHandles,
    overageCost: formatMoney(multiply(p.overagePriceMinor, overageHandles), p.currency),
    blockedHandles: p.new - admitted,
    remainingAfter: Math.max(0, room - admitted),
  };
}
