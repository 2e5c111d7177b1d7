import { Module } from '@nestjs/common';
import { BillingModule } from '../billing/billing.module';
import { ContractsModule } from '../contracts/contracts.module';
import { OutboxModule } from '../outbox/outbox.module';
import { UsageModule } from '../usage/usage.module';
import { ReportLinks } from './report-links';
import { ReportsController } from './reports.controller';
import { ReportsRepository } from './reports.repository';
import { ReportsService } from './reports.service';

/** The monthly report's content; the outbox delivers it (the close queues it with the statement). */
@Module({
  imports: [ContractsModule, BillingModule, UsageModule, OutboxModule],
  controllers: [ReportsController],
  providers: [ReportsRepository, ReportsService, ReportLinks],
})
export class ReportsModule {}
