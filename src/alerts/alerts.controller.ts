import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { UuidParam } from '../common/uuid-param';
import { OutboxService } from '../outbox/outbox.service';
import { AlertsService } from './alerts.service';
import { AlertDto, CheckAlertsResultDto } from './dto/alert.response';
import { ApiErrors } from '../common/openapi';

@ApiTags('finance')
@ApiSecurity('apiKey')
@Controller()
export class AlertsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly outbox: OutboxService,
  ) {}

  @Get('contracts/:id/alerts')
  @Roles('admin', 'finance')
  @ApiOperation({
    operationId: 'listAlerts',
    summary: 'Alerts raised, newest first: kind, threshold, figures at the time, channels and delivery status.',
  })
  @ApiOkResponse({ type: [AlertDto] })
  @ApiErrors(404)
  list(@UuidParam('id', 'Contract') id: string) {
    return this.alerts.list(id);
  }

  @Post('jobs/check-alerts')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'checkAlerts',
    summary: 'Evaluate alerts now for every contract (the scheduler does it every minute), then deliver what is due.',
  })
  @ApiOkResponse({ type: CheckAlertsResultDto })
  @ApiErrors()
  async check() {
    const raised = await this.alerts.checkAll();
    await this.outbox.deliverDue();
    return { raised };
  }
}
