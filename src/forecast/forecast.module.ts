import { Module } from '@nestjs/common';
import { ForecastRepository } from './forecast.repository';
import { ForecastService } from './forecast.service';

@Module({
  providers: [ForecastRepository, ForecastService],
  exports: [ForecastService],
})
export class ForecastModule {}
