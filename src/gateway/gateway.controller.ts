import { Controller, HttpCode, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { BodyLimit, GATEWAY_BODY_LIMIT } from '../common/body-limit';
import { AuthenticatedRequest } from '../auth/principal';
import { Roles } from '../auth/roles.decorator';
import type { RawBodyRequest } from '../common/body-parsers';
import { LedgerInterceptor } from '../ledger/ledger.interceptor';
import { AcceptsDropIn } from './drop-in/drop-in.decorator';
import { GatewayService } from './gateway.service';
import { GatewayCall } from './gateway.types';

/** What the gateway leaves on the request: who called (the global guard), and for the access log the call's id. */
export type GatewayRequest = RawBodyRequest & AuthenticatedRequest & { callId?: string };

@ApiTags('gateway')
@ApiSecurity('apiKey')
@Controller('insights/engagement')
export class GatewayController {
  constructor(private readonly gateway: GatewayService) {}

  @Post(':endpoint')
  @BodyLimit(GATEWAY_BODY_LIMIT)
  @HttpCode(200)
  @Roles('client', 'admin')
  @AcceptsDropIn()
  @UseInterceptors(LedgerInterceptor)
  @ApiOperation({ summary: "X's Engagement API, signed, validated and metered. Same paths and bodies as X; X's status, body and x-per-minute-* headers come back." })
  @ApiParam({ name: 'endpoint', enum: ['totals', '28hr', 'historical'] })
  @ApiHeader({ name: 'X-Handle', required: false, description: '@name, name or numeric user ID: the call is made in that handle\'s user context. Absent: app-only (bearer), /totals public metrics only.' })
  @ApiHeader({
    name: 'Authorization',
    required: false,
    description:
      "Drop-in, instead of X-API-Key: the client's own X credentials. `OAuth ...` signed (HMAC-SHA1) with a registered app's consumer key and a registered handle's access token, " +
      "for this URL (PUBLIC_BASE_URL behind a proxy): the call is that handle's. `Bearer <app's bearer token>`: app-only.",
  })
  @ApiHeader({ name: 'X-App-Id', required: false, description: 'Required with an admin key: the app to call for.' })
  @ApiBody({ schema: { type: 'object', example: { tweet_ids: ['1260294888811347969'], engagement_types: ['favorites', 'impressions'], groupings: { perTweetMetricsOwned: { group_by: ['tweet.id', 'engagement.type'] } } } } })
  /**
   * The call, prepared: the rest of its way (write ahead, send, record, answer) is read in one
   * place, LedgerInterceptor (ledger/ledger.interceptor.ts), which also writes X's answer (@Res).
   */
  prepare(@Req() req: GatewayRequest, @Res() _reply: FastifyReply): Promise<GatewayCall> {
    return this.gateway.prepare(req, req.principal!);
  }
}
