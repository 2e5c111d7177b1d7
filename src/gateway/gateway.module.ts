import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ContractsModule } from '../contracts/contracts.module';
import { LedgerModule } from '../ledger/ledger.module';
import { DropInModule } from './drop-in/drop-in.module';
import { LedgerInterceptor } from './ledger.interceptor';
import { GatewayController } from './gateway.controller';
import { GatewayService } from './gateway.service';
import { XClient } from './x-client';

/** The gateway's call flow is LedgerInterceptor's; it sends with this module's XClient and records with LedgerModule's service. */
@Module({
  imports: [AuthModule, ContractsModule, DropInModule, LedgerModule],
  controllers: [GatewayController],
  providers: [GatewayService, XClient, LedgerInterceptor],
})
export class GatewayModule {}
