import { Module } from '@nestjs/common';
import { BillingModule } from '../billing/billing.module';
import { ContractsModule } from '../contracts/contracts.module';
import { LedgerModule } from '../ledger/ledger.module';
import { ChargebackService } from './chargeback.service';
import { UsageController } from './usage.controller';
import { UsageRepository } from './usage.repository';
import { UsageService } from './usage.service';

@Module({
  imports: [ContractsModule, BillingModule, LedgerModule],
  controllers: [UsageController],
  providers: [UsageRepository, UsageService, ChargebackService],
  exports: [UsageService, ChargebackService],
})
export class UsageModule {}
