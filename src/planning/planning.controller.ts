import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi';
import { PlanDto, PreflightDto } from './planning.response';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { Roles } from '../auth/roles.decorator';
import { UuidParam } from '../common/uuid-param';
import { parseAllowances } from './plan-options';
import { PlanService } from './plan.service';
import { MAX_PREFLIGHT_HANDLES } from './preflight-request';
import { PreflightService } from './preflight.service';

@ApiTags('finance')
@ApiSecurity('apiKey')
@Controller('contracts/:id')
export class PlanningController {
  constructor(
    private readonly preflights: PreflightService,
    private readonly plans: PlanService,
  ) {}

  @Post('preflight')
  @HttpCode(200)
  @Roles('admin', 'finance', 'client')
  @ApiOkResponse({ type: PreflightDto })
  @ApiErrors(400, 404)
  @ApiOperation({
    operationId: 'preflight',
    summary:
      'What a batch job over these handles would cost now (already counted, new, overage, not registered); counts nothing. A client key may ask about its own contract.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['handles'],
      additionalProperties: false,
      properties: {
        handles: {
          type: 'array',
          maxItems: MAX_PREFLIGHT_HANDLES,
          items: { type: 'string', example: '@acme', description: '"@name", "name" or the numeric user ID' },
        },
      },
    },
  })
  // The body is read by parsePreflightBody, which checks the array's length before its items.
  preflight(@UuidParam('id', 'Contract') id: string, @Body() body: unknown, @CurrentPrincipal() who: Principal) {
    return this.preflights.preflight(id, body, who);
  }

  @Get('plan')
  @Roles('admin', 'finance')
  @ApiOkResponse({ type: PlanDto })
  @ApiErrors(400, 404)
  @ApiOperation({
    operationId: 'getPlan',
    summary:
      'Renewal planning: the overage each allowance would have cost over the last 12 closed periods and the open period’s projection.',
  })
  @ApiQuery({
    name: 'allowances',
    required: false,
    example: '400,500,600',
    description: 'Default: the current allowance and ±25 %, ±50 %.',
  })
  plan(@UuidParam('id', 'Contract') id: string, @Query('allowances') allowances?: string) {
    return this.plans.plan(id, parseAllowances(allowances));
  }
}
