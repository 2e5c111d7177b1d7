import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { CallLogService } from './call-log.service';

@ApiTags('admin')
@ApiSecurity('apiKey')
@Roles('admin')
@Controller('jobs')
export class CallLogController {
  constructor(private readonly callLog: CallLogService) {}

  @Post('call-log-maintenance')
  @HttpCode(200)
  @ApiOperation({ summary: "Runs the call log's maintenance now (the scheduler runs it hourly): partitions made ahead, months past CALL_LOG_RETENTION_MONTHS whose periods are closed dropped." })
  async maintain(): Promise<{ created: string[]; dropped: string[] }> {
    return { created: await this.callLog.createAhead(), dropped: await this.callLog.dropExpired() };
  }
}
