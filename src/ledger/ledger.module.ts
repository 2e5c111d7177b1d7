import { Module } from '@nestjs/common';
import { LedgerInterceptor } from './ledger.interceptor';
import { LedgerRepository } from './ledger.repository';
import { LedgerService } from './ledger.service';

@Module({
  providers: [LedgerRepository, LedgerService, LedgerInterceptor],
  exports: [LedgerService, LedgerInterceptor, LedgerRepository],
})
export class LedgerModule {}
