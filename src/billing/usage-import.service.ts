import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { ContractsService } from '../contracts/contracts.service';
import { LedgerService } from '../ledger/ledger.service';
import { PeriodClock } from '../periods/billing-period';
import { parseUsageImport } from './usage-import.parser';
import { mapInTurns } from '../common/event-loop';
import { newCallId } from '../ledger/call-id';

/**
 * Rows mapped to ledger calls between two yields to the event loop: a few milliseconds even when
 * rows jump between periods, each jump being Luxon's zone arithmetic (PeriodClock).
 */
const ROWS_PER_TURN = 250;

/** Onboarding: calls made before handlemeter was in the path, counted as if they had gone through the gateway. */
@Injectable()
export class UsageImportService {
  constructor(
    private readonly contracts: ContractsService,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
  ) {}

  /** All or nothing: a bad row rejects the whole import (400 naming every bad row); a call already imported is a duplicate. */
  async import(
    contractId: string,
    kind: 'json' | 'csv',
    body: unknown,
    actorKeyId: string,
  ): Promise<{ imported: number; duplicates: number }> {
    const contract = await this.contracts.getEntity(contractId);
    const { rows, duplicatesInRequest } = await parseUsageImport(kind, body, new Date());
    const clock = new PeriodClock({ timezone: contract.timezone, billingDay: contract.billingDay });
    // In turns, as the parse: 50,000 rows in one go (a UUID and a period each) would hold the gateway's calls meanwhile.
    const calls = await mapInTurns(rows, ROWS_PER_TURN, (r) => ({
      id: newCallId(),
      at: r.at,
      contractId: contract.id,
      appId: null,
      period: clock.periodOf(r.at),
      endpoint: r.endpoint,
      userId: r.userId,
      screenName: r.screenName,
      tweetCount: 0,
      block: false,
      billsConfirmed: false,
      externalId: r.externalId,
      status: r.status,
    }));
    const imported = await this.ledger.importCalls(contract.id, calls);
    const result = { imported, duplicates: rows.length - imported + duplicatesInRequest };
    // Imports change what finance is billed for, so they are in the audit log like contract changes.
    await this.audit.record({
      actorKeyId,
      action: 'import',
      entity: 'contract',
      entityId: contract.id,
      changes: { kind, rows: rows.length, ...result },
    });
    return result;
  }
}
