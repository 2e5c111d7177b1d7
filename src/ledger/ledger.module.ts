import { Module } from '@nestjs/common';
import { AggregatesRepository } from './aggregates.repository';
import { CallLogController } from './call-log.controller';
import { CallLogScheduler } from './call-log.scheduler';
import { CallLogService } from './call-log.service';
import { LedgerInterceptor } from './ledger.interceptor';
import { LedgerRepository } from './ledger.repository';
import { LedgerService } from './ledger.service';

@Module({
  controllers: [CallLogController],
  providers: [LedgerRepository, AggregatesRepository, CallLogService, CallLogScheduler, LedgerService, LedgerInterceptor],
  exports: [LedgerService, LedgerInterceptor, LedgerRepository, AggregatesRepository, CallLogService],
})
export class LedgerModule {}
