import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Public } from '../auth/roles.decorator';
import { DatabaseUnavailableError } from '../common/errors';
import { ApiErrorResponses } from '../common/openapi';
import { HealthDto } from './health.response';

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
      throw new DatabaseUnavailableError();
    }
    return { status: 'ok' };
  }
}
