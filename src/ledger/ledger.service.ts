import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Subject } from 'rxjs';
import { MetricsService } from '../metrics/metrics.service';
import { GroupCommitter } from './group-commit';
import { HandleAllowanceExhaustedError, LedgerUnavailableError } from './ledger.errors';
import { LedgerRepository } from './ledger.repository';
import { CallOutcome, PendingCall, WriteAheadResult } from './ledger.types';

const OUTCOME_RETRIES = 5;

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
  private readonly outcomes = new GroupCommitter<CallOutcome, void>((o) => this.writeOutcomes(o), 1000, 5);

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
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  /** An outcome is detail (status, latency) and, under countPolicy `confirmed`, a count: retry before giving up. */
  private async writeOutcomes(batch: CallOutcome[]): Promise<void[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.repo.writeOutcomes(batch);
        return batch.map(() => undefined);
      } catch (e) {
        if (attempt >= OUTCOME_RETRIES) {
          this.logger.error(`dropping the outcomes of ${batch.length} calls after ${attempt} attempts (they stay "sent" in the call log): ${(e as Error).message}`);
          throw e;
        }
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }
}
