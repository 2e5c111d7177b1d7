import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/roles.decorator';
import { DatabaseUnavailableError } from '../common/errors';
import { ApiErrorResponses } from '../common/openapi';
import { HealthDto } from './health.response';

/**
 * As long as a request waits for a database connection (data-source.ts) and as Docker's
 * HEALTHCHECK waits for the answer: a database slower than that is down to its clients too.
 */
const PING_TIMEOUT_MS = 5000;

@ApiTags('ops')
@Controller('health')
export class HealthController {
  constructor(
    private readonly checks: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ operationId: 'health', summary: '200 with the database reachable, 503 otherwise.' })
  @ApiOkResponse({ type: HealthDto })
  @ApiErrorResponses([503, 'DATABASE_UNAVAILABLE: the database cannot be reached.'])
  async health(): Promise<HealthDto> {
    try {
      // The contract's body is `{ status }` alone; terminus's per-indicator details stay inside.
      const { status } = await this.checks.check([() => this.db.pingCheck('database', { timeout: PING_TIMEOUT_MS })]);
      return { status };
    } catch (e) {
      // Terminus's own 503 carries its body; the contract's error body is the filter's.
      if (e instanceof ServiceUnavailableException) throw new DatabaseUnavailableError();
      throw e;
    }
  }
}
