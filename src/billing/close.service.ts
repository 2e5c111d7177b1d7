import { Injectable, Logger } from '@nestjs/common';
import { ContractEntity } from '../contracts/contract.entity';
import { ContractsService } from '../contracts/contracts.service';
import { LedgerService } from '../ledger/ledger.service';
import { OutboxService } from '../outbox/outbox.service';
import { reportDelivery } from './report-delivery';
import { BillingPeriod, nextPeriod, periodContaining } from '../periods/billing-period';
import { figures } from './figures';
import { StatementsRepository } from './statements.repository';

/**
 * A period is closed this long after it ends, so that a call which was given its period just
 * before the boundary has committed by then (it would otherwise show as a restatement).
 */
export const CLOSE_GRACE_MS = 60_000;

export interface ClosedPeriod {
  contractId: string;
  period: string;
}

/** The month-end close: one immutable statement per ended period, also for periods missed while the service was down. */
@Injectable()
export class CloseService {
  private readonly logger = new Logger('Close');

  constructor(
    private readonly contracts: ContractsService,
    private readonly ledger: LedgerService,
    private readonly statements: StatementsRepository,
    private readonly outbox: OutboxService,
  ) {}

  /**
   * Idempotent and safe to run on several instances at once: each period's close takes an
   * advisory lock (another instance skips it meanwhile), and the statement's key makes "once" a
   * database fact.
   */
  async closeEndedPeriods(now = new Date()): Promise<ClosedPeriod[]> {
    const closed: ClosedPeriod[] = [];
    for (const contract of await this.contracts.entities()) {
      for (const period of await this.periodsToClose(contract, now)) {
        if (await this.close(contract, period, now)) {
          closed.push({ contractId: contract.id, period: period.key });
          this.logger.log(`closed ${period.key} of contract ${contract.id}`);
        }
      }
    }
    // The reports were queued with their statements; send them now rather than at the next poll.
    if (closed.length) void this.outbox.deliverDue();
    return closed;
  }

  private async periodsToClose(contract: ContractEntity, now: Date): Promise<BillingPeriod[]> {
    const cycle = { timezone: contract.timezone, billingDay: contract.billingDay };
    const [done, earliestUsage] = await Promise.all([
      this.statements.statementStarts(contract.id),
      this.statements.earliestUsage(contract.id),
    ]);
    const closed = new Set(done.map((d) => d.getTime()));
    const from = earliestUsage && earliestUsage < contract.createdAt ? earliestUsage : contract.createdAt;
    const due: BillingPeriod[] = [];
    for (
      let p = periodContaining(from, cycle);
      p.end.getTime() + CLOSE_GRACE_MS <= now.getTime();
      p = nextPeriod(p, cycle)
    ) {
      if (!closed.has(p.start.getTime())) due.push(p);
    }
    return due;
  }

  private close(contract: ContractEntity, period: BillingPeriod, now: Date): Promise<boolean> {
    return this.statements.transaction(async (m) => {
      if (!(await this.statements.tryLockClose(m, contract.id, period))) return false;
      const counts = await this.ledger.lockPeriodCounts(m, contract.id, period);
      const terms = await this.contracts.termsInForce(contract.id, period.end, m);
      if (!(await this.statements.insertStatement(m, contract.id, period, terms, figures(terms, counts)))) return false;
      const report = reportDelivery(contract, period, now);
      if (report) await this.outbox.enqueue(m, [report]);
      return true;
    });
  }
}
