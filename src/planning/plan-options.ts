import { ValidationFailedError } from '../common/errors';
import { formatMoney, Money, multiply } from '../common/money';

export const MAX_ALLOWANCE_OPTIONS = 20;
export const MAX_ALLOWANCE = 1_000_000_000;

export interface PlanPeriod {
  period: string;
  uniqueHandles: number;
  /** true for the open period: its count is the projection for its end, not a billed figure */
  projected: boolean;
}

export interface PlanOption {
  allowance: number;
  overageHandles: number;
  overageCost: Money;
  /** each period's overage under this allowance, in the order of `periods` */
  perPeriod: number[];
}

/** The current allowance and ±25 %, ±50 % of it, whole handles (half rounds up), smallest first, no repeats. */
export function defaultAllowances(current: number): number[] {
  const quarters = [2, 3, 4, 5, 6].map((q) => Math.floor((current * q + 2) / 4));
  return [...new Set(quarters)].sort((a, b) => a - b);
}

/** `?allowances=400,500,600` → [400, 500, 600]; undefined when absent. Whole numbers only, at most 20 of them. */
export function parseAllowances(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(',');
  const bad = (why: string) =>
    new ValidationFailedError(
      `allowances ${why}; send whole numbers separated by commas, such as ?allowances=400,500,600.`,
      { allowances: why },
    );
  if (parts.length > MAX_ALLOWANCE_OPTIONS) throw bad(`has ${parts.length} entries, at most ${MAX_ALLOWANCE_OPTIONS}`);
  const out = parts.map((p) => p.trim());
  const wrong = out.find((p) => !/^\d{1,10}$/.test(p) || Number(p) > MAX_ALLOWANCE);
  if (wrong !== undefined)
    throw bad(`has "${wrong.slice(0, 20)}", which is not a whole number from 0 to ${MAX_ALLOWANCE}`);
  return [...new Set(out.map(Number))].sort((a, b) => a - b);
}

/** What each allowance would have cost over the periods: per period max(0, count − allowance) handles, at one price, in cents. */
export function planOptions(
  periods: PlanPeriod[],
  allowances: number[],
  priceMinor: bigint,
  currency: string,
): PlanOption[] {
  return allowances.map((allowance) => {
    const perPeriod = periods.map((p) => Math.max(0, p.uniqueHandles - allowance));
    const overageHandles = perPeriod.reduce((a, b) => a + b, 0);
    return {
      allowance,
      overageHandles,
      overageCost: formatMoney(multiply(priceMinor, overageHandles), currency),
      perPeriod,
    };
  });
}
