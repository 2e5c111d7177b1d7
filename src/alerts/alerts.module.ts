import { Module } from '@nestjs/common';
import { BillingModule } from '../billing/billing.module';
import { ContractsModule } from '../contracts/contracts.module';
import { LedgerModule } from '../ledger/ledger.module';
import { OutboxModule } from '../outbox/outbox.module';
import { AlertsController } from './alerts.controller';
import { AlertsRepository } from './alerts.repository';
import { AlertsScheduler } from './alerts.scheduler';
import { AlertsService } from './alerts.service';

@Module({
  imports: [ContractsModule, BillingModule, OutboxModule, LedgerModule],
  controllers: [AlertsController],
  providers: [AlertsRepository, AlertsService, AlertsScheduler],
  exports: [AlertsService],
})
export class AlertsModule {}
