import { MigrationInterface, QueryRunner } from 'typeorm';
import { CreateLedgerCountCalls1763990000000 } from './1763990000000-CreateLedgerCountCalls';

const ARGS = `uuid[], timestamptz[], uuid[], uuid[], timestamptz[], text[], bigint[], int[],
  uuid[], timestamptz[], bigint[], text[], timestamptz[], timestamptz[], int[],
  uuid[], timestamptz[], timestamptz[], text[], int[]`;

/**
 * ledger_count_calls also says what each call cost, for the gateway's metering answer headers
 * (X-Handlemeter-Handle-New, -Unique-Handles, -Allowance-Remaining): one row per handle of the
 * batch, whether the write inserted it into the period's set and whether it was confirmed
 * before, with its period's counts after the write and the contract's allowance. Same
 * arguments, same statements and lock order as before; only the return changes (so the
 * function is dropped and created again, in one transaction).
 */
export class ReturnMeteringFromLedgerCountCalls1764100000000 implements MigrationInterface {
  name = 'ReturnMeteringFromLedgerCountCalls1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION ledger_count_calls(${ARGS})`);
    await q.query(`
      CREATE FUNCTION ledger_count_calls(
        c_id uuid[], c_at timestamptz[], c_contract uuid[], c_app uuid[], c_period timestamptz[],
        c_endpoint text[], c_user bigint[], c_tweets int[],
        h_contract uuid[], h_period timestamptz[], h_user bigint[], h_name text[],
        h_first timestamptz[], h_last timestamptz[], h_calls int[],
        p_contract uuid[], p_start timestamptz[], p_end timestamptz[], p_key text[], p_calls int[]
      ) RETURNS TABLE (
        r_contract uuid, r_period timestamptz, r_user bigint, r_inserted boolean, r_was_confirmed boolean,
        r_attempted int, r_confirmed int, r_allowance int
      ) LANGUAGE plpgsql AS $fn$
      BEGIN
        -- Create missing counter rows and lock all of the batch's, in one order for every writer.
        INSERT INTO period_counters AS pc (contract_id, period_start, period_end, period_key)
        SELECT * FROM unnest(p_contract, p_start, p_end, p_key) ORDER BY 1, 2
        ON CONFLICT (contract_id, period_start) DO UPDATE SET calls = pc.calls;

        INSERT INTO calls (id, at, contract_id, app_id, period_start, endpoint, user_id, tweet_count)
        SELECT * FROM unnest(c_id, c_at, c_contract, c_app, c_period, c_endpoint, c_user, c_tweets);

        -- The handle set, and the number of rows actually inserted added to the counters.
        RETURN QUERY
        WITH seen AS (
          INSERT INTO period_handles AS ph (contract_id, period_start, user_id, screen_name, first_seen_at, last_seen_at, calls)
          SELECT * FROM unnest(h_contract, h_period, h_user, h_name, h_first, h_last, h_calls) ORDER BY 1, 2, 3
          ON CONFLICT (contract_id, period_start, user_id) DO UPDATE SET
            first_seen_at = LEAST(ph.first_seen_at, EXCLUDED.first_seen_at),
            last_seen_at  = GREATEST(ph.last_seen_at, EXCLUDED.last_seen_at),
            screen_name   = CASE WHEN EXCLUDED.last_seen_at >= ph.last_seen_at THEN coalesce(EXCLUDED.screen_name, ph.screen_name) ELSE ph.screen_name END,
            calls         = ph.calls + EXCLUDED.calls
          RETURNING ph.contract_id, ph.period_start, ph.user_id, (xmax = 0) AS inserted, ph.confirmed_at IS NOT NULL AS was_confirmed
        ), fresh AS (
          SELECT s.contract_id, s.period_start, count(*) FILTER (WHERE s.inserted)::int AS n FROM seen s GROUP BY 1, 2
        ), counted AS (
          UPDATE period_counters pc
             SET calls = pc.calls + v.calls, attempted_handles = pc.attempted_handles + coalesce(fresh.n, 0)
            FROM unnest(p_contract, p_start, p_calls) AS v (contract_id, period_start, calls)
            LEFT JOIN fresh ON fresh.contract_id = v.contract_id AND fresh.period_start = v.period_start
           WHERE pc.contract_id = v.contract_id AND pc.period_start = v.period_start
          RETURNING pc.contract_id, pc.period_start, pc.attempted_handles, pc.confirmed_handles
        )
        SELECT s.contract_id, s.period_start, s.user_id, s.inserted, s.was_confirmed,
               c.attempted_handles, c.confirmed_handles, k.handle_allowance
          FROM seen s
          JOIN counted c ON c.contract_id = s.contract_id AND c.period_start = s.period_start
          JOIN contracts k ON k.id = s.contract_id;
      END
      $fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION ledger_count_calls(${ARGS})`);
    await new CreateLedgerCountCalls1763990000000().up(q);
  }
}
