import { Module } from '@nestjs/common';
import { BillingModule } from '../billing/billing.module';
import { ContractsModule } from '../contracts/contracts.module';
import { DashboardModule } from '../dashboard/dashboard.module';
import { PlanDashboardController } from './plan-dashboard.controller';
import { PlanService } from './plan.service';
import { PlanningController } from './planning.controller';
import { PreflightRepository } from './preflight.repository';
import { PreflightService } from './preflight.service';

/** Decisions before spending: preflight of a batch job, and renewal planning over past periods. */
@Module({
  imports: [ContractsModule, BillingModule, DashboardModule],
  controllers: [PlanningController, PlanDashboardController],
  providers: [PreflightService, PreflightRepository, PlanService],
})
export class PlanningModule {}
