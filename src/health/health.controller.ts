import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Public } from '../auth/roles.decorator';
import { DomainError } from '../common/errors';
import { HealthDto } from './health.response';
import { ApiErrorResponses } from '../common/openapi';

@ApiTags('ops')
@Controller('health')
export class HealthController {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  @Get()
  @Public()
  @ApiOperation({ operationId: 'health', summary: '200 with the database reachable, 503 otherwise.' })
  @ApiOkResponse({ type: HealthDto })
  @ApiErrorResponses([503, 'DATABASE_UNAVAILABLE: the database cannot be reached.'])
  async health() {
    try {
      await this.ds.query('SELECT 1');
    } catch {
      throw new DomainError(503, 'DATABASE_UNAVAILABLE', 'The database cannot be reached.');
    }
    return { status: 'ok' };
  }
}
