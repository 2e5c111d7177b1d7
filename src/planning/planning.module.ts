import { Module } from '@nestjs/common';
import { BillingModule } from '../billing/billing.module';
import { ContractsModule } from '../contracts/contracts.module';
import { LedgerModule } from '../ledger/ledger.module';
import { PlanService } from './plan.service';
import { PlanningController } from './planning.controller';
import { PreflightService } from './preflight.service';

/** Decisions before spending: preflight of a batch job, and renewal planning over past periods. */
@Module({
  imports: [ContractsModule, BillingModule, LedgerModule],
  controllers: [PlanningController],
  providers: [PreflightService, PlanService],
  exports: [PlanService],
})
export class PlanningModule {}
