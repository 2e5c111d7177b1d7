import { Module } from '@nestjs/common';
import { ContractsModule } from '../contracts/contracts.module';
import { LedgerModule } from '../ledger/ledger.module';
import { LedgerInterceptor } from './ledger.interceptor';
import { GatewayController } from './gateway.controller';
import { GatewayService } from './gateway.service';
import { XClient } from './x-client';

/** The gateway's call flow is LedgerInterceptor's; it sends with this module's XClient and records with LedgerModule's service. */
@Module({
  imports: [ContractsModule, LedgerModule],
  controllers: [GatewayController],
  providers: [GatewayService, XClient, LedgerInterceptor],
})
export class GatewayModule {}
