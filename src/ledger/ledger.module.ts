import { Module } from '@nestjs/common';
import { AggregatesRepository } from './aggregates.repository';
import { AggregatesService } from './aggregates.service';
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
    AggregatesService,
    CallLogService,
    CallLogScheduler,
    LedgerService,
    UnsettledConfirmations,
  ],
  exports: [LedgerService, AggregatesService, CallLogService],
})
export class LedgerModule {}
