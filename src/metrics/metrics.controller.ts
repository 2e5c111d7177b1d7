import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { Public } from '../auth/roles.decorator';
import { MetricsAuthGuard } from './metrics-auth.guard';
import { MetricsService } from './metrics.service';
import { ApiErrors } from '../common/openapi';

@ApiTags('ops')
@ApiSecurity('apiKey')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  // Not public: MetricsAuthGuard stands in for the global key check, to take the key as a bearer token too.
  @Public()
  @UseGuards(MetricsAuthGuard)
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @ApiOperation({
    operationId: 'metrics',
    summary: 'Prometheus metrics (text format). Admin or finance key, in X-API-Key or as Authorization: Bearer <key>.',
  })
  @ApiHeader({
    name: 'Authorization',
    required: false,
    description: 'Bearer <admin or finance API key>, for scrapers that cannot send X-API-Key.',
  })
  @ApiOkResponse({ description: 'Prometheus text format.', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiErrors()
  scrape(): Promise<string> {
    return this.metrics.scrape();
  }
}
