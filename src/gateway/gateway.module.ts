import { Module } from '@nestjs/common';
import { ContractsModule } from '../contracts/contracts.module';
import { LedgerModule } from '../ledger/ledger.module';
import { GatewayCallGuard } from './gateway-call.guard';
import { GatewayController } from './gateway.controller';
import { GatewayService } from './gateway.service';
import { XClient } from './x-client';

@Module({
  imports: [ContractsModule, LedgerModule],
  controllers: [GatewayController],
  providers: [GatewayService, GatewayCallGuard, XClient],
})
export class GatewayModule {}
