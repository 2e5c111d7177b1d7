import { CountPolicy } from '../contracts/contract.entity';

/*
 * The ledger's counting order as SQL: which columns say when and by which app a handle was
 * counted under each policy, and where the overage starts. The ledger's queries use it, and so
 * do the reads of other modules that share the order (the close's frozen handle set, the roster).
 */

/** The id period_activity and statement_apps give calls and handles with no app (imported history). */
export const NO_APP = '00000000-0000-0000-0000-000000000000';

/** Where a policy's counting order looks: the instant a handle was counted, and the app whose call counted it. */
export const COUNTED: Record<CountPolicy, { at: string; app: string; slotColumn: string; where: string }> = {
  attempted: { at: 'first_seen_at', app: 'first_app_id', slotColumn: 'first_seen', where: 'true' },
  confirmed: {
    at: 'confirmed_at',
    app: 'confirmed_app_id',
    slotColumn: 'confirmed',
    where: 'confirmed_at IS NOT NULL',
  },
};

/**
 * The last handle within the allowance, in counting order ((counted at, user ID)): every handle
 * counted after it is overage. `all`: an allowance of 0 (every counted handle is overage);
 * `none`: the count has not passed the allowance.
 */
export type OverageBoundary =
  { kind: 'none' } | { kind: 'all' } | { kind: 'after'; slot: Date; at: string; userId: string };

/** SQL for "this handle row is overage", given a boundary, over period_handles aliased `h` (the parameters: the boundary's at and user ID, null unless `after`). */
export function overageSql(policy: CountPolicy, b: OverageBoundary, atParam: string, userParam: string): string {
  const c = COUNTED[policy];
  // The parameters are named either way: PostgreSQL refuses a parameter it cannot type.
  const unused = `(${atParam}::timestamptz IS NULL AND ${userParam}::bigint IS NULL)`;
  if (b.kind === 'none') return `(${unused} AND false)`;
  if (b.kind === 'all') return `(${unused} AND h.${c.where === 'true' ? 'user_id IS NOT NULL' : c.where})`;
  return `(h.${c.at} IS NOT NULL AND (h.${c.at}, h.user_id) > (${atParam}::timestamptz, ${userParam}::bigint))`;
}

export function countedAppSql(policy: CountPolicy): string {
  return `h.${COUNTED[policy].app}`;
}
