import { Controller, Get, Headers, Param, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { Roles } from '../auth/roles.decorator';
import { PageQueryDto } from '../common/page-query.dto';
import { UuidParam } from '../common/uuid-param';
import { ChargebackService } from './chargeback.service';
import { UsageService } from './usage.service';
import { PeriodQueryDto } from './period-query.dto';
import { AppUsageDto, PeriodHandleDto, RateLimitDto, UsageDto } from './dto/usage.response';
import { ApiErrors } from '../common/openapi';

@ApiTags('finance')
@ApiSecurity('apiKey')
@Roles('admin', 'finance')
@Controller()
export class UsageController {
  constructor(
    private readonly usage: UsageService,
    private readonly chargeback: ChargebackService,
  ) {}

  @Get('contracts/:id/usage')
  @ApiOperation({
    operationId: 'getUsage',
    summary: "A period's unique handles, allowance, overage and cost (default: the open period).",
  })
  @ApiOkResponse({ type: UsageDto })
  @ApiErrors(400, 404)
  usageOf(@UuidParam('id', 'Contract') id: string, @Query() q: PeriodQueryDto) {
    return this.usage.usageOf(id, q.period);
  }

  @Get('contracts/:id/apps/usage')
  @ApiOperation({
    operationId: 'getAppsUsage',
    summary:
      "Chargeback: a period's calls, handles, first-counted handles and overage per app (default: the open period); they add up to the period's figures.",
  })
  @ApiOkResponse({ type: [AppUsageDto] })
  @ApiErrors(400, 404)
  appsUsage(@UuidParam('id', 'Contract') id: string, @Query() q: PeriodQueryDto) {
    return this.chargeback.perApp(id, q.period);
  }

  @Get('contracts/:id/periods/:period/handles')
  @ApiOperation({
    operationId: 'listPeriodHandles',
    summary:
      'The distinct handles of a period; JSON pages (X-Next-Cursor header) or all of them as CSV (?format=csv or Accept: text/csv).',
  })
  @ApiOkResponse({
    type: [PeriodHandleDto],
    description: 'A page of handles (JSON), or every handle as text/csv with a header row.',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiErrors(400, 404)
  async handles(
    @UuidParam('id', 'Contract') id: string,
    @Param('period') period: string,
    @Query() q: PageQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    if (q.format === 'csv' || (q.format === undefined && accept?.includes('text/csv'))) {
      const csv = await this.usage.rosterCsv(id, period);
      return new StreamableFile(Readable.from(csv.lines), {
        type: 'text/csv; charset=utf-8',
        disposition: `attachment; filename="${csv.filename}"`,
      });
    }
    const page = await this.usage.rosterPage(id, period, q.limit ?? 100, q.cursor);
    if (page.nextCursor) {
      res.header('X-Next-Cursor', page.nextCursor);
      res.header('Link', `<?limit=${q.limit ?? 100}&cursor=${page.nextCursor}>; rel="next"`);
    }
    return page.handles;
  }

  @Get('rate-limits')
  @ApiOperation({
    operationId: 'listRateLimits',
    summary: 'Per app, the last x-per-minute-limit / x-per-minute-remaining X sent, and when.',
  })
  @ApiOkResponse({ type: [RateLimitDto] })
  @ApiErrors()
  rateLimits() {
    return this.usage.rateLimits();
  }
}
