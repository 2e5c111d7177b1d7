import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Subject } from 'rxjs';
import { MetricsService } from '../metrics/metrics.service';
import { GroupCommitter } from './group-commit';
import { HandleAllowanceExhaustedError, LedgerUnavailableError } from './ledger.errors';
import { LedgerRepository } from './ledger.repository';
import { CallOutcome, PendingCall, WriteAheadResult } from './ledger.types';

const WRITE_RETRIES = 5;

/**
 * The write-ahead usage ledger. `begin` returns only once the call's record and its handle's
 * place in the period are committed (or throws, and the call must not be sent); `complete`
 * records the answer later, off the caller's path.
 */
@Injectable()
export class LedgerService implements OnApplicationShutdown {
  private readonly logger = new Logger('Ledger');
  private readonly writeAhead = new GroupCommitter<PendingCall, WriteAheadResult>((calls) => this.repo.writeAhead(calls));
  // Nobody waits on an outcome: 5 ms of linger turns many small transactions into a few large ones.
  private readonly outcomes = new GroupCommitter<CallOutcome, void>((o) => this.retrying(`the outcomes of ${o.length} calls (they stay "sent" in the call log)`, () => this.repo.writeOutcomes(o), o), 1000, 5);
  private readonly forgotten = new GroupCommitter<PendingCall, void>((c) => this.retrying(`taking back ${c.length} refused calls whose write-ahead may have committed`, () => this.repo.forget(c), c), 1000, 50);

  /** Contract ids whose count may have changed (a user-context call was committed): alerts listen. */
  readonly counted$ = new Subject<string>();

  constructor(private readonly repo: LedgerRepository, private readonly metrics: MetricsService) {}

  async begin(call: PendingCall): Promise<void> {
    let result: WriteAheadResult;
    try {
      result = await this.writeAhead.submit(call);
    } catch (e) {
      this.metrics.ledgerFailed();
      this.logger.error(`write-ahead failed, call refused: ${(e as Error).message}`);
      // The error may have come after the commit (the connection broke while it ran): the call is
      // refused and never sent, so a record that did commit must not stay and be billed.
      this.forgotten.submit(call).catch(() => undefined);
      throw new LedgerUnavailableError();
    }
    if (!result.ok) throw new HandleAllowanceExhaustedError(call.userId!, result.allowance);
    if (call.userId !== null) this.counted$.next(call.contractId);
  }

  complete(outcome: CallOutcome): void {
    this.metrics.callCompleted(outcome);
    this.outcomes.submit(outcome).catch(() => undefined);
  }

  /** For tests and shutdown: every outcome submitted so far is written. */
  async flush(): Promise<void> {
    await this.writeAhead.idle();
    await this.outcomes.idle();
    await this.forgotten.idle();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  /**
   * The writes nobody waits on (an outcome is detail and, under countPolicy `confirmed`, a count;
   * a take-back keeps a refused call off the bill): retried with backoff before giving up.
   */
  private async retrying<T>(what: string, write: () => Promise<unknown>, batch: T[]): Promise<void[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        await write();
        return batch.map(() => undefined);
      } catch (e) {
        if (attempt >= WRITE_RETRIES) {
          this.logger.error(`giving up on ${what} after ${attempt} attempts: ${(e as Error).message}`);
          throw e;
        }
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }
}
