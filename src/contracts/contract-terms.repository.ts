import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Terms } from './terms';
import { ContractEntity } from './contract.entity';

/**
 * The history of the terms a bill depends on (allowance, price, count policy). A change applies
 * to the open period, so a period is billed on the last terms recorded before it ended.
 */
@Injectable()
export class ContractTermsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async record(c: ContractEntity, manager: EntityManager, from: 'always' | 'now'): Promise<void> {
    await manager.query(
      `INSERT INTO contract_terms (contract_id, effective_from, handle_allowance, overage_price_minor, currency, count_policy)
       VALUES ($1, CASE WHEN $2 = 'always' THEN '-infinity'::timestamptz ELSE clock_timestamp() END, $3, $4, $5, $6)
       ON CONFLICT (contract_id, effective_from) DO UPDATE SET handle_allowance = EXCLUDED.handle_allowance,
         overage_price_minor = EXCLUDED.overage_price_minor, currency = EXCLUDED.currency, count_policy = EXCLUDED.count_policy`,
      [c.id, from, c.handleAllowance, c.overagePriceMinor, c.currency, c.countPolicy],
    );
  }

  async inForce(contractId: string, periodEnd: Date, manager?: EntityManager): Promise<Terms> {
    const rows = await (manager ?? this.ds).query<
      { handle_allowance: number; overage_price_minor: string; currency: string; count_policy: Terms['countPolicy'] }[]
    >(
      `SELECT handle_allowance, overage_price_minor::text, currency, count_policy FROM contract_terms
        WHERE contract_id = $1 AND effective_from < $2 ORDER BY effective_from DESC LIMIT 1`,
      [contractId, periodEnd],
    );
    if (!rows.length) throw new Error(`contract ${contractId} has no terms before ${periodEnd.toISOString()}`);
    const r = rows[0];
    return {
      allowance: r.handle_allowance,
      overagePriceMinor: BigInt(r.overage_price_minor),
      currency: r.currency.trim(),
      countPolicy: r.count_policy,
    };
  }
}
