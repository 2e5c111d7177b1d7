import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { CloseService } from './close.service';

/** Runs the close every minute, and once at start-up so periods that ended while the service was down close at once. */
@Injectable()
export class CloseScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('CloseScheduler');
  private running = false;

  constructor(
    private readonly close: CloseService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.schedulersEnabled) void this.run();
  }

  @Interval(60_000)
  async run(): Promise<void> {
    if (!this.config.schedulersEnabled || this.running) return;
    this.running = true;
    try {
      await this.close.closeEndedPeriods();
    } catch (e) {
      this.logger.error(`close failed; it runs again in a minute: ${(e as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
