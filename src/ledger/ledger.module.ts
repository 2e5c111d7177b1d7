import { Module } from '@nestjs/common';
import { LedgerInterceptor } from './ledger.interceptor';
import { LedgerRepository } from './ledger.repository';
import { LedgerService } from './ledger.service';
import { UnsettledConfirmations } from './unsettled-confirmations';

@Module({
  providers: [LedgerRepository, LedgerService, LedgerInterceptor, UnsettledConfirmations],
  exports: [LedgerService, LedgerInterceptor, LedgerRepository],
})
export class LedgerModule {}
