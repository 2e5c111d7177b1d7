import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LedgerRepository } from './ledger.repository';

/** How far back the start-up sweep looks: longer than any period, so every open period is covered. */
const AT_START_MS = 35 * 86_400_000;
const EVERY_MS = 10 * 60_000;
/** How far back the periodic sweep looks: three of its intervals, so one or two missed runs leave no gap. */
const PERIODIC_MS = 3 * EVERY_MS;

/**
 * The sweep half of "no confirmation lost" (docs/security.md): a call under countPolicy
 * `confirmed` whose outcome was never written (its instance crashed mid-call, or stopped while
 * the write was still being retried) is still "sent" in the call log. Its answer is unknown and X
 * may have billed it, so its handle is confirmed: the count errs towards X's invoice. Only calls
 * older than the longest a call can still be in flight elsewhere, and only open periods.
 *
 * At start-up it looks back over every open period. While running it looks back half an hour
 * every ten minutes, so a call left "sent" by another instance that crashed and did not come back
 * is settled within minutes rather than at the next start; every instance sweeps (the counter
 * locks make a second sweep of the same handle a no-op), and a window of three intervals means no
 * call is missed as long as one instance keeps running.
 */
@Injectable()
export class UnsettledConfirmations implements OnApplicationBootstrap {
  private readonly logger = new Logger('Ledger');
  private running = false;

  constructor(
    private readonly repo: LedgerRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sweep(AT_START_MS);
  }

  @Interval(EVERY_MS)
  async periodic(): Promise<void> {
    if (!this.config.schedulersEnabled || this.running) return;
    this.running = true;
    try {
      await this.sweep(PERIODIC_MS + this.settleMs());
    } catch (e) {
      this.logger.error(`sweep of unsettled calls failed; it runs again in ten minutes: ${(e as Error).message}`);
    } finally {
      this.running = false;
    }
  }

  /** Confirms the handles of calls left "sent" between `withinMs` ago and the in-flight bound; returns how many. */
  async sweep(withinMs: number): Promise<number> {
    const n = await this.repo.confirmUnsettled(this.settleMs(), withinMs);
    if (n)
      this.logger.warn(
        `${n} handle(s) confirmed from calls whose outcome was never written (answer unknown, X may have billed them)`,
      );
    return n;
  }

  /** The longest a call can still be waiting for X's answer on some instance, and a minute. */
  private settleMs(): number {
    return this.config.upstreamTimeoutMs + 60_000;
  }
}
