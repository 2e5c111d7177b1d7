import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi';
import { Roles } from '../auth/roles.decorator';
import { CallLogService } from './call-log.service';

class CallLogMaintenanceDto {
  @ApiProperty({ type: [String], example: ['2027_02'], description: 'Partitions created (YYYY_MM).' })
  created: string[];
  @ApiProperty({ type: [String], example: ['2024_10'], description: 'Partitions dropped (YYYY_MM).' })
  dropped: string[];
}

@ApiTags('admin')
@ApiSecurity('apiKey')
@Roles('admin')
@Controller('jobs')
export class CallLogController {
  constructor(private readonly callLog: CallLogService) {}

  @Post('call-log-maintenance')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'maintainCallLog',
    summary:
      "Runs the call log's maintenance now (the scheduler runs it hourly): partitions made ahead, months past CALL_LOG_RETENTION_MONTHS whose periods are closed dropped.",
  })
  @ApiOkResponse({ type: CallLogMaintenanceDto })
  @ApiErrors()
  async maintain(): Promise<{ created: string[]; dropped: string[] }> {
    return { created: await this.callLog.createAhead(), dropped: await this.callLog.dropExpired() };
  }
}
