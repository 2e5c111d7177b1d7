import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { BillingModule } from '../billing/billing.module';
import { ContractsModule } from '../contracts/contracts.module';
import { ForecastModule } from '../forecast/forecast.module';
import { UsageModule } from '../usage/usage.module';
import { DashboardController } from './dashboard.controller';
import { DashboardRepository } from './dashboard.repository';
import { DashboardService } from './dashboard.service';
import { DashboardSessionGuard } from './session';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

/** GET /dashboard: the usage page for finance, signed in with an API key, rendered on the server. */
@Module({
  imports: [AuditModule, AuthModule, ContractsModule, BillingModule, ForecastModule, UsageModule, AlertsModule],
  controllers: [DashboardController],
  providers: [DashboardService, DashboardRepository, SessionsService, SessionsRepository, DashboardSessionGuard],
  // Pages of other features (src/planning, src/connect) sit behind the same sign-in.
  exports: [SessionsService, DashboardSessionGuard],
})
export class DashboardModule {}
