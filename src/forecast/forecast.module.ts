import { Module } from '@nestjs/common';
import { ActiveDays } from './active-days';
import { FirstSeenDays } from './first-seen-days';
import { ForecastRepository } from './forecast.repository';
import { ForecastService } from './forecast.service';

@Module({
  providers: [ForecastRepository, FirstSeenDays, ActiveDays, ForecastService],
  exports: [ForecastService],
})
export class ForecastModule {}
