import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Subject } from 'rxjs';
import { MetricsService } from '../metrics/metrics.service';
import { GroupCommitter } from './group-commit';
import { HandleAllowanceExhaustedError, LedgerUnavailableError } from './ledger.errors';
import { LedgerRepository, LedgerWriteError } from './ledger.repository';
import { CallOutcome, PendingCall, WriteAheadResult } from './ledger.types';

/** An outcome is retried this many times; a take-back until it succeeds (or the service stops). */
const OUTCOME_ATTEMPTS = 5;
const MAX_RETRY_DELAY_MS = 30_000;

type TakeBack = { call: PendingCall; backendPid: number | null };

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
  private readonly outcomes = new GroupCommitter<CallOutcome, void>(
    (o) => this.retrying(`the outcomes of ${o.length} calls (they stay "sent" in the call log)`, OUTCOME_ATTEMPTS, () => this.repo.writeOutcomes(o), o).catch((e) => this.keepConfirmations(o, e)),
    1000,
    5,
  );
  /**
   * Under countPolicy `confirmed` a 2xx is the count and X bills it: an outcome carrying one is not
   * given up with the others, but retried until written (or the service stops; then the next start
   * finds its call still "sent" and confirms it: UnsettledConfirmations).
   */
  private readonly confirmations = new GroupCommitter<CallOutcome, void>(
    (o) => this.retrying(`the confirmations of ${o.length} calls`, Infinity, () => this.repo.writeOutcomes(o), o),
    1000,
    50,
  );
  private readonly takeBacks = new GroupCommitter<TakeBack, void>(
    (t) => this.retrying(`taking back ${t.length} refused calls whose write-ahead may have committed`, Infinity, () => this.forget(t), t),
    1000,
    50,
  );
  /** Calls committed and on their way to X, whose outcome is still to come: shutdown waits for them. */
  private inFlight = 0;
  private stopping = false;

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
      const backendPid = e instanceof LedgerWriteError ? e.backendPid : null;
      this.takeBacks.submit({ call, backendPid }).catch(() => undefined);
      throw new LedgerUnavailableError();
    }
    if (!result.ok) throw new HandleAllowanceExhaustedError(call.userId!, result.allowance);
    this.inFlight++;
    if (call.userId !== null) this.counted$.next(call.contractId);
  }

  /**
   * Records what X answered (or that it did not). Returns a promise only when the answer must wait
   * for it: under countPolicy `confirmed`, a handle's first 2xx of the period is the count itself,
   * so it is committed before the client hears back; everything else is written behind the answer.
   */
  complete(outcome: CallOutcome): Promise<void> | undefined {
    this.inFlight--;
    this.metrics.callCompleted(outcome);
    const written = this.outcomes.submit(outcome).catch(() => undefined);
    const { call } = outcome;
    const countsNow = call.billsConfirmed && isTwoHundred(outcome);
    return countsNow && !this.repo.isConfirmed(call) ? written : undefined;
  }

  /** A committed call that ended in an error of ours rather than X's answer: nothing to record, but no longer in flight. */
  abandon(): void {
    this.inFlight--;
  }

  /** For tests and shutdown: every outcome submitted so far is written. */
  async flush(): Promise<void> {
    await this.writeAhead.idle();
    await this.outcomes.idle();
    await this.confirmations.idle();
    await this.takeBacks.idle();
  }

  /**
   * Calls already at X still get their outcome written: their clients may have hung up, so the
   * HTTP server's drain does not wait for them. Bounded by the graceful shutdown's deadline.
   */
  async onApplicationShutdown(): Promise<void> {
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    this.stopping = true;
    await this.flush();
  }

  private keepConfirmations(batch: CallOutcome[], e: unknown): never {
    for (const o of batch) if (o.call.billsConfirmed && o.call.userId !== null && isTwoHundred(o)) this.confirmations.submit(o).catch(() => undefined);
    throw e;
  }

  private forget(batch: TakeBack[]): Promise<number> {
    const pids = [...new Set(batch.map((t) => t.backendPid).filter((p): p is number => p !== null))];
    return this.repo.forget(batch.map((t) => t.call), pids);
  }

  /**
   * The writes nobody waits on (an outcome is detail and, under countPolicy `confirmed`, a count;
   * a take-back keeps a refused call off the bill): retried with backoff before giving up.
   */
  private async retrying<T>(what: string, attempts: number, write: () => Promise<unknown>, batch: T[]): Promise<void[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        await write();
        return batch.map(() => undefined);
      } catch (e) {
        if (attempt >= attempts || this.stopping) {
          this.logger.error(`giving up on ${what} after ${attempt} attempts: ${(e as Error).message}`);
          throw e;
        }
        await new Promise((r) => setTimeout(r, Math.min(MAX_RETRY_DELAY_MS, 200 * 2 ** attempt)));
      }
    }
  }
}

function isTwoHundred(o: CallOutcome): boolean {
  return o.outcome === 'answered' && o.status !== null && o.status >= 200 && o.status < 300;
}
