import { Module } from '@nestjs/common';
import { LedgerRepository } from './ledger.repository';
import { LedgerService } from './ledger.service';
import { UnsettledConfirmations } from './unsettled-confirmations';

@Module({
  // LedgerInterceptor is the gateway's (GatewayModule provides it): it needs the gateway's XClient.
  providers: [LedgerRepository, LedgerService, UnsettledConfirmations],
  exports: [LedgerService, LedgerRepository],
})
export class LedgerModule {}
