import { Inject, Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { NonceStore } from './nonce-store';

/** Forgets expired drop-in nonces every minute. Any instance may run it: the delete is idempotent. */
@Injectable()
export class NonceCleanupScheduler {
  private readonly logger = new Logger('NonceCleanup');
  private running = false;

  constructor(
    private readonly nonces: NonceStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Interval(60_000)
  async run(): Promise<void> {
    if (!this.config.schedulersEnabled || this.running) return;
    this.running = true;
    try {
      await this.nonces.forgetExpired();
    } catch (e) {
      this.logger.warn(`forgetting expired OAuth nonces failed; it runs again in a minute: ${(e as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
