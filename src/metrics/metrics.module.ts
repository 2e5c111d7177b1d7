import { Global, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { MetricsAuthGuard } from './metrics-auth.guard';
import { MetricsController } from './metrics.controller';
import { MetricsRepository } from './metrics.repository';
import { MetricsService } from './metrics.service';

/** Global: the ledger reports every call's outcome here without importing this module. */
@Global()
@Module({
  imports: [AuthModule],
  controllers: [MetricsController],
  providers: [MetricsService, MetricsRepository, MetricsAuthGuard],
  exports: [MetricsService],
})
export class MetricsModule {}
