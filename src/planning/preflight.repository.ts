import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CountPolicy } from '../contracts/contract.entity';
import { HandleRefs } from './preflight-request';

/** What a batch of references names: distinct handles, how many of them count already, and the references that name none. */
export interface ResolvedRefs {
  handles: number;
  counted: number;
  /** Indexes into the batch's references, in order. */
  unresolved: number[];
}

/**
 * The preflight's one question, read-only, over two tables it does not own: which handle each
 * reference names among the apps' live handles (contracts' handles), and whether that handle
 * already counts in the period (the ledger's period_handles).
 */
@Injectable()
export class PreflightRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * How many distinct live handles of `appIds` the references name, how many of those count in
   * the period under `policy`, and which references name none, in one statement and one row. A
   * reference costs an index probe for its user ID (when it may be one), one for its name only
   * when the ID found nothing (a screen name may be all digits), and a primary-key probe into the
   * period's handle set. Measured at 100,000 handles (docs/benchmarks.md): sub-selects, because as
   * lateral joins the planner put a cache of 9,000 misses (Memoize) or a hash of the period's whole
   * handle set over the last probe, both slower; the references as two comma-joined strings (names
   * and IDs hold no comma) and counts back, because node-pg's array quoting and its parsing of a row
   * per handle were a third of the preflight's time.
   */
  async resolve(
    contractId: string,
    periodStart: Date,
    policy: CountPolicy,
    appIds: string[],
    refs: HandleRefs,
  ): Promise<ResolvedRefs> {
    if (!appIds.length || !refs.refs.length) return { handles: 0, counted: 0, unresolved: refs.refs.map((_, i) => i) };
    // The planner's cost for 10,000 probes is past jit_above_cost, and compiling the plan takes
    // far longer than running it (about 0.5 s against a few tens of ms).
    const [row] = await this.ds.transaction(async (m) => {
      await m.query('SET LOCAL jit = off');
      return m.query<ResolvedRefs[]>(
        `WITH resolved AS MATERIALIZED (
           SELECT r.i, coalesce(
                    CASE WHEN r.uid IS NOT NULL THEN
                      (SELECT h.user_id FROM handles h
                        WHERE h.user_id = r.uid AND h.app_id = ANY($1::uuid[]) AND h.deleted_at IS NULL LIMIT 1) END,
                    (SELECT h.user_id FROM handles h
                      WHERE lower(h.screen_name) = r.name AND h.app_id = ANY($1::uuid[]) AND h.deleted_at IS NULL LIMIT 1)
                  ) AS user_id
             FROM unnest(string_to_array($2, ','), string_to_array($3, ',', '')::bigint[]) WITH ORDINALITY AS r (name, uid, i)
         )
         SELECT count(DISTINCT res.user_id)::int AS handles,
                count(DISTINCT res.user_id) FILTER (WHERE EXISTS (
                  SELECT 1 FROM period_handles ph
                   WHERE ph.contract_id = $4 AND ph.period_start = $5 AND ph.user_id = res.user_id
                     AND ($6 = 'attempted' OR ph.confirmed_at IS NOT NULL)))::int AS counted,
                coalesce(array_agg(res.i::int - 1 ORDER BY res.i) FILTER (WHERE res.user_id IS NULL), '{}') AS unresolved
           FROM resolved res`,
        [appIds, refs.names.join(','), refs.userIds.join(','), contractId, periodStart, policy],
      );
    });
    return row;
  }
}
