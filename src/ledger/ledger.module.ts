import { Module } from '@nestjs/common';
import { HandleSetRepository } from './handle-set.repository';
import { LedgerInterceptor } from './ledger.interceptor';
import { LedgerRepository } from './ledger.repository';
import { LedgerService } from './ledger.service';

@Module({
  providers: [LedgerRepository, LedgerService, LedgerInterceptor, HandleSetRepository],
  exports: [LedgerService, LedgerInterceptor, LedgerRepository, HandleSetRepository],
})
export class LedgerModule {}
