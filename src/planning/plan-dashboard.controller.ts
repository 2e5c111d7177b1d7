import { Controller, Get, Query } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { UuidParam } from '../common/uuid-param';
import { ContractsService } from '../contracts/contracts.service';
import { DashboardPage } from '../dashboard/dashboard-page.decorator';
import { CurrentSession } from '../dashboard/session';
import type { DashboardSession } from '../dashboard/sessions.service';
import { parseAllowances } from './plan-options';
import { planPage } from './plan.page';
import { PlanService } from './plan.service';

@ApiExcludeController()
@Controller('dashboard/contracts/:id/plan')
export class PlanDashboardController {
  constructor(
    private readonly plans: PlanService,
    private readonly contracts: ContractsService,
  ) {}

  @Get()
  @DashboardPage()
  async page(
    @UuidParam('id', 'Contract') id: string,
    @CurrentSession() session: DashboardSession,
    @Query('allowances') allowances?: string,
  ): Promise<string> {
    const [contract, plan] = await Promise.all([
      this.contracts.get(id),
      this.plans.plan(id, parseAllowances(allowances)),
    ]);
    return planPage({ contract, plan, allowances }, session);
  }
}
