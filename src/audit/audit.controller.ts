import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { PageQueryDto } from '../common/page-query.dto';
import { AuditService } from './audit.service';
import { AuditPageDto } from './dto/audit.response';
import { ApiErrors } from '../common/openapi';

@ApiTags('admin')
@ApiSecurity('apiKey')
@Controller('audit-log')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({
    operationId: 'listAuditLog',
    summary: 'Who (API key id) changed contracts, apps, handles and keys, and when; newest first.',
  })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiErrors(400)
  list(@Query() q: PageQueryDto) {
    return this.audit.list(q.limit ?? 100, q.cursor);
  }
}
