import { Module } from '@nestjs/common';
import { FirstSeenDays } from './first-seen-days';
import { ForecastRepository } from './forecast.repository';
import { ForecastService } from './forecast.service';

@Module({
  providers: [ForecastRepository, FirstSeenDays, ForecastService],
  exports: [ForecastService],
})
export class ForecastModule {}
