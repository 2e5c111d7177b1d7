import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { Subscription } from 'rxjs';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LedgerService } from '../ledger/ledger.service';
import { AlertsService } from './alerts.service';

/** How long counts for a contract are gathered before its alerts are checked again. */
const DEBOUNCE_MS = 1_000;

/**
 * Alerts are checked when a contract's count changes (debounced) and every minute for every
 * contract (the projection moves with time even without calls).
 */
@Injectable()
export class AlertsScheduler implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('AlertsScheduler');
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private sub?: Subscription;

  constructor(
    private readonly alerts: AlertsService,
    private readonly ledger: LedgerService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.sub = this.ledger.counted$.subscribe((contractId) => {
      this.dirty.add(contractId);
      this.timer ??= setTimeout(() => void this.flush(), DEBOUNCE_MS);
    });
  }

  onApplicationShutdown(): void {
    this.sub?.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
  }

  @Interval(60_000)
  async run(): Promise<void> {
    if (this.config.schedulersEnabled) await this.alerts.checkAll();
  }

  private async flush(): Promise<void> {
    this.timer = null;
    const ids = [...this.dirty];
    this.dirty.clear();
    for (const id of ids)
      await this.alerts
        .checkContract(id)
        .catch((e) => this.logger.error(`alert check failed: ${(e as Error).message}`));
  }
}
