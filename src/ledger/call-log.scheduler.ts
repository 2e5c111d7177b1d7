import { Inject, Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { CallLogService } from './call-log.service';

/** Hourly: the call log's partitions ahead, and the months past retention dropped. */
@Injectable()
export class CallLogScheduler {
  private readonly logger = new Logger('CallLogScheduler');
  private running = false;

  constructor(
    private readonly callLog: CallLogService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Interval(3_600_000)
  async run(): Promise<void> {
    if (!this.config.schedulersEnabled || this.running) return;
    this.running = true;
    try {
      await this.callLog.createAhead();
      await this.callLog.dropExpired();
    } catch (e) {
      this.logger.error(`call log maintenance failed; it runs again in an hour: ${(e as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
