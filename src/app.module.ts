import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AlertsModule } from './alerts/alerts.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BillingModule } from './billing/billing.module';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { ConnectModule } from './connect/connect.module';
import { ContractsModule } from './contracts/contracts.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { DatabaseModule } from './database/database.module';
import { GatewayModule } from './gateway/gateway.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { PlanningModule } from './planning/planning.module';
import { ReportsModule } from './reports/reports.module';
import { UsageModule } from './usage/usage.module';

@Module({})
export class AppModule {
  /** `config.databaseUrl` must be set: main.ts starts the embedded PostgreSQL first when it is not. */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule.forRoot(config.databaseUrl!),
        ScheduleModule.forRoot(),
        MetricsModule,
        AuditModule,
        AuthModule,
        ContractsModule,
        GatewayModule,
        UsageModule,
        BillingModule,
        AlertsModule,
        ReportsModule,
        DashboardModule,
        PlanningModule,
        ConnectModule,
        HealthModule,
      ],
    };
  }
}
