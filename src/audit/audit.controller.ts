import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { PageQueryDto } from '../common/page-query.dto';
import { AuditService } from './audit.service';

@ApiTags('admin')
@ApiSecurity('apiKey')
@Controller('audit-log')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'Who (API key id) changed contracts, apps, handles and keys, and when; newest first.' })
  list(@Query() q: PageQueryDto) {
    return this.audit.list(q.limit ?? 100, q.cursor);
  }
}
