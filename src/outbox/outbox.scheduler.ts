import { Inject, Injectable } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { OutboxService } from './outbox.service';

/** Polls for due deliveries (new messages are also delivered at once by whoever queued them). */
@Injectable()
export class OutboxScheduler {
  constructor(
    private readonly outbox: OutboxService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Interval(5_000)
  async run(): Promise<void> {
    if (this.config.schedulersEnabled) await this.outbox.deliverDue();
  }
}
