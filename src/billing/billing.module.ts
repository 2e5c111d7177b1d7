import { Module } from '@nestjs/common';
import { ContractsModule } from '../contracts/contracts.module';
import { ForecastModule } from '../forecast/forecast.module';
import { LedgerModule } from '../ledger/ledger.module';
import { OutboxModule } from '../outbox/outbox.module';
import { BillingController } from './billing.controller';
import { CloseScheduler } from './close.scheduler';
import { CloseService } from './close.service';
import { PeriodsService } from './periods.service';
import { StatementsRepository } from './statements.repository';
import { UsageImportService } from './usage-import.service';
import { ReconciliationsRepository } from './reconciliations.repository';
import { ReconciliationsService } from './reconciliations.service';

@Module({
  imports: [ContractsModule, LedgerModule, ForecastModule, OutboxModule],
  controllers: [BillingController],
  providers: [
    StatementsRepository,
    PeriodsService,
    CloseService,
    CloseScheduler,
    UsageImportService,
    ReconciliationsRepository,
    ReconciliationsService,
  ],
  exports: [PeriodsService, ReconciliationsService],
})
export class BillingModule {}
