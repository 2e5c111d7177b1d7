import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CountPolicy } from '../contracts/contract.entity';
import { HandleRef } from './preflight-request';
/** The i-th reference (1-based), the handle it names, and whether that handle counts in the period already. */
type ResolvedRefRow = { i: number; user_id: string; counted: boolean };

/**
 * The preflight's one question, read-only, over two tables it does not own: which handle each
 * reference names among the apps' live handles (contracts' handles), and whether that handle
 * already counts in the period (the ledger's period_handles).
 */
@Injectable()
export class PreflightRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * For each reference that names a live handle of `appIds`: its index, the user ID, and whether
   * it counts in the period under `policy`. One set-based statement: a reference costs one index
   * probe for its user ID (when it may be one), one for its name only when the ID found nothing
   * (a screen name may be all digits), and one primary-key probe into the period's handle set.
   */
  async resolve(
    contractId: string,
    periodStart: Date,
    policy: CountPolicy,
    appIds: string[],
    refs: HandleRef[],
  ): Promise<{ i: number; userId: string; counted: boolean }[]> {
    if (!appIds.length || !refs.length) return [];
    // The planner's cost for 10,000 probes is past jit_above_cost, and compiling the plan takes
    // far longer than running it (about 0.5 s against a few tens of ms).
    const rows = await this.ds.transaction(async (m) => {
      await m.query('SET LOCAL jit = off');
      return m.query<ResolvedRefRow[]>(
        `WITH resolved AS (
           SELECT r.i, coalesce(by_id.user_id, by_name.user_id) AS user_id
             FROM unnest($2::text[], $3::bigint[]) WITH ORDINALITY AS r (name, uid, i)
             LEFT JOIN LATERAL (SELECT h.user_id FROM handles h
                                 WHERE h.user_id = r.uid AND h.app_id = ANY($1::uuid[]) AND h.deleted_at IS NULL LIMIT 1) by_id ON true
             LEFT JOIN LATERAL (SELECT h.user_id FROM handles h
                                 WHERE by_id.user_id IS NULL AND lower(h.screen_name) = r.name AND h.app_id = ANY($1::uuid[])
                                   AND h.deleted_at IS NULL LIMIT 1) by_name ON true
         )
         SELECT res.i::int AS i, res.user_id::text AS user_id, ph.user_id IS NOT NULL AS counted
           FROM resolved res
           LEFT JOIN period_handles ph ON ph.contract_id = $4 AND ph.period_start = $5 AND ph.user_id = res.user_id
                                      AND ($6 = 'attempted' OR ph.confirmed_at IS NOT NULL)
          WHERE res.user_id IS NOT NULL`,
        [appIds, refs.map((r) => r.name), refs.map((r) => r.userId), contractId, periodStart, policy],
      );
    });
    return rows.map((r) => ({ i: r.i - 1, userId: r.user_id, counted: r.counted }));
  }
}
