import { Module } from '@nestjs/common';
import { ContractsModule } from '../contracts/contracts.module';
import { LedgerModule } from '../ledger/ledger.module';
import { GatewayCallInterceptor } from './gateway-call.interceptor';
import { GatewayController } from './gateway.controller';
import { GatewayService } from './gateway.service';
import { XClient } from './x-client';

@Module({
  imports: [ContractsModule, LedgerModule],
  controllers: [GatewayController],
  providers: [GatewayService, GatewayCallInterceptor, XClient],
})
export class GatewayModule {}
