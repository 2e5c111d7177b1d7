import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LedgerRepository } from './ledger.repository';

/**
 * Start-up half of "no confirmation lost" (docs/security.md): a call under countPolicy
 * `confirmed` whose outcome was never written (the service stopped while the write was still
 * being retried, or crashed mid-call) is still "sent" in the call log. Its answer is unknown and
 * X may have billed it, so its handle is confirmed: the count errs towards X's invoice. Only
 * calls older than the longest a call can still be in flight elsewhere, and only open periods.
 */
@Injectable()
export class UnsettledConfirmations implements OnApplicationBootstrap {
  private readonly logger = new Logger('Ledger');

  constructor(
    private readonly repo: LedgerRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const n = await this.repo.confirmUnsettled(this.config.upstreamTimeoutMs + 60_000);
    if (n)
      this.logger.warn(
        `${n} handle(s) confirmed from calls whose outcome was never written (answer unknown, X may have billed them)`,
      );
  }
}
