import { Body, Controller, Get, Headers, HttpCode, Param, Post, StreamableFile } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { UnsupportedMediaTypeError } from '../common/errors';
import { Roles } from '../auth/roles.decorator';
import { IMPORT_BODY_LIMIT, LargeBodyAfterKey } from '../common/body-limit';
import { UuidParam } from '../common/uuid-param';
import { CloseService } from './close.service';
import { PeriodsService } from './periods.service';
import { UsageImportService } from './usage-import.service';
import { CreateReconciliationDto } from './dto/reconciliation.dto';
import { ReconciliationsService } from './reconciliations.service';
import {
  ClosePeriodsResultDto,
  ImportResultDto,
  PeriodSummaryDto,
  ReconciliationDto,
  StatementDto,
} from './dto/billing.response';
import { ApiErrors } from '../common/openapi';

@ApiTags('finance')
@ApiSecurity('apiKey')
@Controller()
export class BillingController {
  constructor(
    private readonly periods: PeriodsService,
    private readonly close: CloseService,
    private readonly imports: UsageImportService,
    private readonly reconciliations: ReconciliationsService,
  ) {}

  @Get('contracts/:id/periods')
  @Roles('admin', 'finance')
  @ApiOperation({
    operationId: 'listPeriods',
    summary: 'Every period with calls or a statement, newest first, with its figures.',
  })
  @ApiOkResponse({ type: [PeriodSummaryDto] })
  @ApiErrors(404)
  list(@UuidParam('id', 'Contract') id: string) {
    return this.periods.list(id);
  }

  @Get('contracts/:id/statements/:period')
  @Roles('admin', 'finance')
  @ApiOperation({
    operationId: 'getStatement',
    summary: 'The immutable statement written when the period closed; 404 while it is open.',
  })
  @ApiOkResponse({ type: StatementDto })
  @ApiErrors(400, [
    404,
    'NOT_FOUND: no such contract, or the period has no statement yet (it is open, or the close has not run).',
  ])
  statement(@UuidParam('id', 'Contract') id: string, @Param('period') period: string) {
    return this.periods.statement(id, period);
  }

  @Post('jobs/close-periods')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'closePeriods',
    summary:
      'Run the month-end close now (the scheduler runs it every minute): every ended period without a statement gets one.',
  })
  @ApiOkResponse({ type: ClosePeriodsResultDto })
  @ApiErrors()
  async closePeriods() {
    return { closed: await this.close.closeEndedPeriods() };
  }

  @Post('contracts/:id/usage/import')
  @LargeBodyAfterKey(IMPORT_BODY_LIMIT)
  @HttpCode(200)
  @ApiConsumes('application/json', 'text/csv')
  @ApiBody({
    schema: {
      example: {
        calls: [
          {
            id: 'log-1',
            at: '2026-10-03T14:00:00Z',
            userId: '1234',
            screenName: 'acme',
            endpoint: 'totals',
            status: 200,
          },
        ],
      },
    },
  })
  @ApiOperation({
    operationId: 'importUsage',
    summary:
      'Import calls made before handlemeter was in the path (JSON or CSV with the same columns). All or nothing; re-posting a call with the same id changes nothing.',
  })
  @ApiOkResponse({ type: ImportResultDto })
  @ApiErrors(
    [400, 'VALIDATION_FAILED: the import names every bad row (the first 100, with the total); nothing was imported.'],
    404,
    413,
    415,
  )
  importUsage(
    @UuidParam('id', 'Contract') id: string,
    @Headers('content-type') type: string | undefined,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
  ) {
    const kind = type?.startsWith('text/csv') ? 'csv' : type?.startsWith('application/json') ? 'json' : null;
    if (!kind) throw new UnsupportedMediaTypeError(['application/json', 'text/csv']);
    return this.imports.import(id, kind, body, p.keyId);
  }

  @Post('contracts/:id/reconciliations')
  @Roles('admin', 'finance')
  @ApiOperation({
    operationId: 'createReconciliation',
    summary:
      "Check X's invoice: its handle count (and amount) against ours, the difference, and the handles to review.",
  })
  @ApiCreatedResponse({ type: ReconciliationDto })
  @ApiErrors(400, 404, [409, 'CONFLICT: the period has not ended yet.'])
  reconcile(
    @UuidParam('id', 'Contract') id: string,
    @Body() dto: CreateReconciliationDto,
    @CurrentPrincipal() p: Principal,
  ) {
    return this.reconciliations.create(id, dto, p.keyId);
  }

  @Get('contracts/:id/reconciliations')
  @Roles('admin', 'finance')
  @ApiOperation({ operationId: 'listReconciliations', summary: 'Every reconciliation of the contract, newest first.' })
  @ApiOkResponse({ type: [ReconciliationDto] })
  @ApiErrors(404)
  listReconciliations(@UuidParam('id', 'Contract') id: string) {
    return this.reconciliations.list(id);
  }

  @Get('contracts/:id/reconciliations/:reconciliationId')
  @Roles('admin', 'finance')
  @ApiOperation({ operationId: 'getReconciliation', summary: 'One reconciliation, as it was answered when created.' })
  @ApiOkResponse({ type: ReconciliationDto })
  @ApiErrors(404)
  reconciliation(
    @UuidParam('id', 'Contract') id: string,
    @UuidParam('reconciliationId', 'Reconciliation') rid: string,
  ) {
    return this.reconciliations.get(id, rid);
  }

  @Get('contracts/:id/reconciliations/:reconciliationId/handles.csv')
  @Roles('admin', 'finance')
  @ApiOperation({
    operationId: 'getReconciliationHandlesCsv',
    summary: 'The handles to review of a reconciliation, as CSV, with the reason for each.',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    description: 'CSV with a header row: one handle to review a row, with the reason.',
    schema: { type: 'string' },
  })
  @ApiErrors(404)
  async reconciliationCsv(
    @UuidParam('id', 'Contract') id: string,
    @UuidParam('reconciliationId', 'Reconciliation') rid: string,
  ): Promise<StreamableFile> {
    const csv = await this.reconciliations.reviewCsv(id, rid);
    return new StreamableFile(Buffer.from(csv.body, 'utf8'), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="${csv.filename}"`,
    });
  }
}
