import { Module } from '@nestjs/common';
import { AggregatesRepository } from './aggregates.repository';
import { CallLogController } from './call-log.controller';
import { CallLogScheduler } from './call-log.scheduler';
import { CallLogService } from './call-log.service';
import { LedgerRepository } from './ledger.repository';
import { LedgerService } from './ledger.service';
import { UnsettledConfirmations } from './unsettled-confirmations';

@Module({
  controllers: [CallLogController],
  providers: [
    LedgerRepository,
    AggregatesRepository,
    CallLogService,
    CallLogScheduler,
    LedgerService,
    UnsettledConfirmations,
  ],
  exports: [LedgerService, LedgerRepository, AggregatesRepository, CallLogService],
})
export class LedgerModule {}
