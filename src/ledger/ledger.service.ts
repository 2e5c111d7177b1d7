import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Subject } from 'rxjs';
import { MetricsService } from '../metrics/metrics.service';
import { GroupCommitter, QueueFullError } from '../database/group-commit';
import { HandleAllowanceExhaustedError, LedgerUnavailableError } from './ledger.errors';
import { LedgerRepository, LedgerWriteError } from './ledger.repository';
import type { EntityManager } from 'typeorm';
import type { BillingPeriod } from '../periods/billing-period';
import { CallOutcome, ImportedCall, Metering, PendingCall, PeriodCounts, WriteAheadResult } from './ledger.types';

/**
 * An outcome is retried this many times; one that changes a count (keptUntilWritten), and a
 * take-back, until it succeeds or the service stops.
 */
export const OUTCOME_ATTEMPTS = 5;
const MAX_RETRY_DELAY_MS = 30_000;
const WRITE_AHEAD_BATCH = 500;
/**
 * Calls waiting for their write-ahead behind the batch being written. Past it the database is not
 * keeping up, and a call is refused at once (503 LEDGER_UNAVAILABLE) instead of waiting without
 * bound, holding its request and memory.
 */
const WRITE_AHEAD_MAX_QUEUED = 2 * WRITE_AHEAD_BATCH;

type TakeBack = { call: PendingCall; backendPid: number | null };

/**
 * The write-ahead usage ledger. `begin` returns only once the call's record and its handle's
 * place in the period are committed (or throws, and the call must not be sent); `complete`
 * records the answer later, off the caller's path.
 */
@Injectable()
export class LedgerService implements OnApplicationShutdown {
  private readonly logger = new Logger('Ledger');
  private readonly writeAhead = new GroupCommitter<PendingCall, WriteAheadResult>(
    (calls) => this.repo.writeAhead(calls),
    WRITE_AHEAD_BATCH,
    0,
    WRITE_AHEAD_MAX_QUEUED,
  );
  private queueFullLoggedAt = 0;
  // Nobody waits on an outcome: 5 ms of linger turns many small transactions into a few large ones.
  private readonly outcomes = new GroupCommitter<CallOutcome, void>(
    (o) =>
      this.retrying(
        `the outcomes of ${o.length} calls (they stay "sent" in the call log)`,
        OUTCOME_ATTEMPTS,
        () => this.repo.writeOutcomes(o),
        o,
      ).catch((e: unknown) => this.keepCounting(o, e)),
    1000,
    5,
  );
  /**
   * The outcomes of a batch given up whose loss would change a count (keptUntilWritten), retried
   * until written. If the service stops first, their calls are still "sent" in the call log, and
   * under countPolicy `confirmed` the next sweep (UnsettledConfirmations) confirms their handles.
   */
  private readonly kept = new GroupCommitter<CallOutcome, void>(
    (o) =>
      this.retrying(
        `${o.length} outcomes that change a count (their calls stay "sent"; under countPolicy confirmed the sweep of unsettled calls confirms their handles)`,
        Infinity,
        () => this.repo.writeOutcomes(o),
        o,
      ),
    1000,
    50,
  );
  private readonly takeBacks = new GroupCommitter<TakeBack, void>(
    (t) =>
      this.retrying(
        `taking back ${t.length} refused calls whose write-ahead may have committed`,
        Infinity,
        () => this.forget(t),
        t,
      ),
    1000,
    50,
  );
  /** Calls committed and on their way to X, whose outcome is still to come: shutdown waits for them. */
  private inFlight = 0;
  private stopping = false;
  /** Aborted when the service stops: a retry waiting out its backoff makes its last attempt at once. */
  private readonly stopped = new AbortController();

  /** Contract ids whose count may have changed (a user-context call was committed): alerts listen. */
  readonly counted$ = new Subject<string>();

  constructor(
    private readonly repo: LedgerRepository,
    private readonly metrics: MetricsService,
  ) {}

  /** Returns what a user-context call cost (null for an app-only call). */
  async begin(call: PendingCall): Promise<Metering | null> {
    let result: WriteAheadResult;
    try {
      result = await this.writeAhead.submit(call);
    } catch (e) {
      this.metrics.ledgerFailed();
      if (e instanceof QueueFullError) {
        // Nothing was written: nothing to take back. Said once a second, not once per refused call.
        if (Date.now() - this.queueFullLoggedAt > 1000) {
          this.queueFullLoggedAt = Date.now();
          this.logger.error(
            `write-ahead queue full (${e.maxQueued} calls waiting): calls refused with 503 until the database keeps up`,
          );
        }
        throw new LedgerUnavailableError();
      }
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
    return result.metering;
  }

  /**
   * A committed call that will not be sent after all (its client hung up before it left): taken
   * back like a refused one, so it is neither logged as a call nor counted.
   */
  withdraw(call: PendingCall): void {
    this.inFlight--;
    this.takeBacks.submit({ call, backendPid: null }).catch(() => undefined);
  }

  /**
   * Records what X answered (or that it did not). Returns a promise only when the answer must wait
   * for it: under countPolicy `confirmed`, a handle's first 2xx of the period is the count itself,
   * so it is committed before the client hears back; an unreachable X uncounts the call, and its
   * 502 says nothing was counted, so that too is committed first. Everything else is written
   * behind the answer.
   */
  complete(outcome: CallOutcome): Promise<void> | undefined {
    this.inFlight--;
    this.metrics.callCompleted(outcome);
    const written = this.outcomes.submit(outcome).catch(() => undefined);
    const { call } = outcome;
    if (outcome.outcome === 'unreachable') return call.userId !== null ? written : undefined;
    const countsNow =
      call.billsConfirmed &&
      outcome.outcome === 'answered' &&
      outcome.status !== null &&
      outcome.status >= 200 &&
      outcome.status < 300;
    return countsNow && !this.repo.isConfirmed(call) ? written : undefined;
  }

  /** A committed call that ended in an error of ours rather than X's answer: nothing to record, but no longer in flight. */
  abandon(): void {
    this.inFlight--;
  }

  /**
   * Calls made before handlemeter was in the path (the usage import), counted as the gateway
   * counts; returns how many were new. The count may have jumped: alerts are checked now, as
   * after a gateway call, not at the next minute.
   */
  async importCalls(contractId: string, calls: ImportedCall[]): Promise<number> {
    const imported = await this.repo.importCalls(contractId, calls);
    if (imported) this.counted$.next(contractId);
    return imported;
  }

  /** Locks a period's counters in the caller's transaction `m` and returns them (the close's freeze). */
  lockPeriodCounts(m: EntityManager, contractId: string, p: BillingPeriod): Promise<PeriodCounts> {
    return this.repo.lockPeriodCounts(m, contractId, p);
  }

  /** For tests and shutdown: every outcome submitted so far is written. */
  async flush(): Promise<void> {
    await this.writeAhead.idle();
    await this.outcomes.idle();
    await this.kept.idle();
    await this.takeBacks.idle();
  }

  /**
   * Calls already at X still get their outcome written: their clients may have hung up, so the
   * HTTP server's drain does not wait for them. Bounded by the graceful shutdown's deadline.
   */
  async onApplicationShutdown(): Promise<void> {
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    this.stopping = true;
    this.stopped.abort();
    await this.flush();
  }

  /** A batch of outcomes given up: the ones whose loss would change a count are kept, the rest only lose detail. */
  private keepCounting(batch: CallOutcome[], e: unknown): never {
    const counting = batch.filter(keptUntilWritten);
    if (counting.length) {
      this.logger.warn(`${counting.length} of those outcomes change a count: kept, and retried until written`);
      for (const o of counting) this.kept.submit(o).catch(() => undefined);
    }
    throw e;
  }

  private forget(batch: TakeBack[]): Promise<number> {
    const pids = [...new Set(batch.map((t) => t.backendPid).filter((p): p is number => p !== null))];
    return this.repo.forget(
      batch.map((t) => t.call),
      pids,
    );
  }

  /**
   * The writes nobody waits on (an outcome is detail and sometimes a count; a take-back keeps a
   * refused call off the bill): retried with backoff (up to MAX_RETRY_DELAY_MS apart) before giving up.
   */
  private async retrying<T>(
    what: string,
    attempts: number,
    write: () => Promise<unknown>,
    batch: T[],
  ): Promise<void[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        await write();
        return batch.map(() => undefined);
      } catch (e) {
        if (attempt >= attempts || this.stopping) {
          this.logger.error(`giving up on ${what} after ${attempt} attempts: ${(e as Error).message}`);
          throw e;
        }
        await sleep(Math.min(MAX_RETRY_DELAY_MS, 200 * 2 ** attempt), undefined, {
          signal: this.stopped.signal,
        }).catch(() => undefined);
      }
    }
  }
}

/**
 * An outcome whose loss would change a count, not only detail: under countPolicy `confirmed` every
 * user-context outcome (a 2xx is the count and X bills it; any other answer must be written too,
 * or the sweep of calls left "sent" would confirm its handle as answer unknown), and an
 * unreachable X under either policy (its handle is uncounted: X never saw the call).
 */
export function keptUntilWritten(o: CallOutcome): boolean {
  return o.call.userId !== null && (o.call.billsConfirmed || o.outcome === 'unreachable');
}
