import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CountPolicy } from '../contracts/contract.entity';

/** Read-only questions about a period's handle set (period_handles), for callers outside the ledger. */
@Injectable()
export class HandleSetRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Which of `userIds` already count in the period under `policy` (`confirmed`: only those X
   * answered with 2xx). One set-based lookup on the primary key, however many IDs are asked about.
   */
  async countedAmong(contractId: string, periodStart: Date, policy: CountPolicy, userIds: string[]): Promise<Set<string>> {
    if (!userIds.length) return new Set();
    // A primary-key probe per ID; at 10,000 IDs the planner's cost would switch on JIT, which costs more than the probes.
    const rows: { user_id: string }[] = await this.ds.transaction(async (m) => {
      await m.query('SET LOCAL jit = off');
      return m.query(
        `SELECT ph.user_id::text AS user_id FROM period_handles ph
          WHERE ph.contract_id = $1 AND ph.period_start = $2 AND ph.user_id = ANY($3::bigint[])
            AND ($4 = 'attempted' OR ph.confirmed_at IS NOT NULL)`,
        [contractId, periodStart, userIds, policy],
      );
    });
    return new Set(rows.map((r) => r.user_id));
  }
}
